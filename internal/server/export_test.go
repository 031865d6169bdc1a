package server

import "net/http"

// SetHandler replaces the server's routes (tests of Serve's shutdown behaviour).
func (s *Server) SetHandler(h http.Handler) { s.handler = h }
