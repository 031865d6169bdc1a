package graph

import (
	"coopdesk/graph/model"
	"coopdesk/worker/tagging"
)

func tagKind(k model.TagKind) tagging.Kind {
	switch k {
	case model.TagKindGroup:
		return tagging.KindGroup
	case model.TagKindTopic:
		return tagging.KindTopic
	}
	return tagging.KindAuthority
}
