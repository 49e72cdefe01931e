package kfp

import (
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// k8sName is KFP's maybe_rename_for_k8s: lowercase, every run of
// characters other than [-0-9a-z] and dashes becomes one dash, and dashes
// are trimmed from both ends.
func k8sName(name string) string {
	s := strings.ToLower(name)
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(s)-1 || s[i-1] == '-') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
			continue
		}
		// Any other byte, including those of multi-byte runes, separates.
		dash = true
	}
	return string(b)
}

// componentName is KFP's sanitize_component_name: "comp-" + k8s name.
func componentName(name string) string { return "comp-" + k8sName(name) }

// executorLabel is KFP's sanitize_executor_label: "exec-" + k8s name.
func executorLabel(name string) string { return "exec-" + k8sName(name) }

// uniqueName is KFP's make_name_unique_by_adding_index with delimiter "-".
func uniqueName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		n := name + "-" + strconv.Itoa(i)
		if !taken(n) {
			return n
		}
	}
}

// ChannelName is the compiler-injected input name of a value that crosses
// into a sub-DAG (KFP additional_input_name_for_pipeline_channel):
// "pipelinechannel--" + the channel's full name, which is
// "<producer task>-<output>" for a task output and the input name for a
// pipeline input or loop item.
func ChannelName(r *ir.Ref) string { return "pipelinechannel--" + channelFullName(r) }

func channelFullName(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefTaskOutput:
		return r.Task.Name + "-" + r.Name
	case ir.RefPipelineInput:
		return r.Name
	case ir.RefLoopItem:
		if r.Field != "" {
			return loopItemName(r.Group) + "-subvar-" + r.Field
		}
		return loopItemName(r.Group)
	case ir.RefCollected:
		return channelFullName(r.Of[0])
	}
	return r.Name
}

// loopItemName is KFP's loop argument name: "<items channel>-loop-item" for
// a loop over a parameter or task output, "loop-item-param-<N>" for a
// literal list, where N is the loop group's number.
func loopItemName(g *ir.Group) string {
	if g.LoopOver != nil && g.LoopOver.Kind != ir.RefLiteral {
		return channelFullName(g.LoopOver) + "-loop-item"
	}
	if g.Item != nil && g.Item.Name != "" {
		// The DSL records KFP's name, whose number is taken before the
		// loop group's own.
		return g.Item.Name
	}
	n := strings.TrimPrefix(g.Name, "for-loop-")
	return "loop-item-param-" + n
}
