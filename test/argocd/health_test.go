// Runs config/argocd/health.lua on the cases in config/argocd/health_test.yaml
// with gopher-lua, the Lua engine Argo CD embeds, converting each object the
// way Argo CD does before it calls a health script.
package argocd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

const dir = "../../config/argocd"

type testCase struct {
	HealthStatus struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"healthStatus"`
	InputPath string `json:"inputPath"`
}

// toLua mirrors Argo CD's decodeValue: maps become tables keyed by string,
// lists 1-based tables, numbers LNumber.
func toLua(L *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case map[string]interface{}:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []interface{}:
		t := L.NewTable()
		for i, e := range x {
			t.RawSetInt(i+1, toLua(L, e))
		}
		return t
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case nil:
		return lua.LNil
	default:
		panic("unexpected value")
	}
}

func TestHealth(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests []testCase `json:"tests"`
	}
	if err := yaml.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Tests) == 0 {
		t.Fatal("no test cases")
	}
	for _, tc := range suite.Tests {
		t.Run(tc.InputPath, func(t *testing.T) {
			input, err := os.ReadFile(filepath.Join(dir, tc.InputPath))
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]interface{}
			if err := yaml.Unmarshal(input, &obj); err != nil {
				t.Fatal(err)
			}
			L := lua.NewState(lua.Options{SkipOpenLibs: false})
			defer L.Close()
			L.SetGlobal("obj", toLua(L, obj))
			if err := L.DoString(string(script)); err != nil {
				t.Fatalf("script failed: %v", err)
			}
			ret, ok := L.Get(-1).(*lua.LTable)
			if !ok {
				t.Fatalf("script returned %s, not a table", L.Get(-1).Type())
			}
			got := map[string]string{}
			ret.ForEach(func(k, v lua.LValue) { got[k.String()] = v.String() })
			if got["status"] != tc.HealthStatus.Status || got["message"] != tc.HealthStatus.Message {
				want, _ := json.Marshal(tc.HealthStatus)
				t.Errorf("got status %q message %q; want %s", got["status"], got["message"], want)
			}
		})
	}
}
