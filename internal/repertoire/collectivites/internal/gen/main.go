// Command gen writes data/collectivites.json.gz, the reduced copy of the
// @etalab/decoupage-administratif files that coopdesk embeds: the four files, current
// communes only, and only the fields the répertoire keeps. Run it from the module root when
// a new release of the package comes out, then commit the file it wrote:
//
//	go run ./internal/repertoire/collectivites/internal/gen -src PATH/TO/decoupage-administratif
//
// It is not a go:generate step on purpose: the source files are not part of the project
// (a clone does not have them), and the committed file is what the binary embeds.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"coopdesk/internal/repertoire/collectivites"
)

func main() {
	src := flag.String("src", "", "folder holding regions.json, departements.json, epci.json and communes.json")
	out := flag.String("out", "internal/repertoire/collectivites/data/collectivites.json.gz", "file to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	if src == "" {
		return fmt.Errorf("-src is required")
	}
	ds, err := collectivites.Read(src)
	if err != nil {
		return err
	}
	if len(ds.Regions) == 0 || len(ds.Departements) == 0 || len(ds.EPCI) == 0 || len(ds.Communes) == 0 {
		return fmt.Errorf("%s must hold all four files", src)
	}
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ds); err != nil {
		return err
	}
	// A zero gzip header (no name, no time) makes the output reproducible byte for byte.
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, gz.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d régions, %d départements, %d EPCI, %d communes; %d bytes (%d uncompressed)\n",
		out, len(ds.Regions), len(ds.Departements), len(ds.EPCI), len(ds.Communes), gz.Len(), raw.Len())
	return nil
}
