// tlogcheck verifies the ledger's checkpoints and proofs with Go's golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog (Debian's golang-golang-x-mod-dev), code not written by dsledger.
// It reads one JSON request on stdin and writes one JSON answer on stdout; the Python tests decide.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Path     []string `json:"path"`
	Root     string   `json:"root"`
}

type consistency struct {
	First      int64    `json:"first"`
	Second     int64    `json:"second"`
	FirstRoot  string   `json:"first_root"`
	SecondRoot string   `json:"second_root"`
	Path       []string `json:"path"`
}

type tileCheck struct {
	Dir      string  `json:"dir"`
	TreeSize int64   `json:"tree_size"`
	TreeRoot string  `json:"tree_root"`
	Indexes  []int64 `json:"indexes"`
}

type tileAnswer struct {
	Error  string     `json:"error"`
	Root   string     `json:"root"`
	Proofs [][]string `json:"proofs"`
}

// dirTiles reads C2SP tlog-tiles from a folder: Go names a tile tile/8/L/N, C2SP tile/L/N.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		data, err := os.ReadFile(d.dir + "/" + path)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// checkTiles reads the tree through tlog.TileHashReader, which proves every tile it loads against
// the tree's root before any hash from it is used.
func checkTiles(c tileCheck) tileAnswer {
	tree := tlog.Tree{N: c.TreeSize, Hash: hash(c.TreeRoot)}
	reader := tlog.TileHashReader(tree, dirTiles{c.Dir})
	root, err := tlog.TreeHash(c.TreeSize, reader)
	if err != nil {
		return tileAnswer{Error: err.Error()}
	}
	answer := tileAnswer{Root: hex.EncodeToString(root[:])}
	for _, index := range c.Indexes {
		proof, err := tlog.ProveRecord(c.TreeSize, index, reader)
		if err != nil {
			return tileAnswer{Error: err.Error()}
		}
		answer.Proofs = append(answer.Proofs, hexes(proof))
	}
	return answer
}

type request struct {
	Tiles         *tileCheck    `json:"tiles"`
	VerifierKey   string        `json:"verifier_key"`
	Checkpoints   []string      `json:"checkpoints"`
	Leaves        []string      `json:"leaves"`
	Inclusions    []inclusion   `json:"inclusions"`
	Consistencies []consistency `json:"consistencies"`
}

type checked struct {
	Error  string   `json:"error"`
	GoPath []string `json:"go_path"`
}

type opened struct {
	Error  string `json:"error"`
	Origin string `json:"origin"`
	Size   int64  `json:"size"`
	Root   string `json:"root"`
	Extra  string `json:"extra"`
}

type answer struct {
	Tiles         *tileAnswer `json:"tiles"`
	Checkpoints   []opened    `json:"checkpoints"`
	Roots         []string    `json:"roots"`
	Inclusions    []checked   `json:"inclusions"`
	Consistencies []checked   `json:"consistencies"`
}

func hash(s string) tlog.Hash {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		panic("bad hash " + s)
	}
	copy(h[:], b)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

func hexes(list []tlog.Hash) []string {
	out := make([]string, len(list))
	for i, h := range list {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// openCheckpoint checks the note's signature with note.Open and parses the C2SP checkpoint body.
func openCheckpoint(text string, verifier note.Verifier) opened {
	n, err := note.Open([]byte(text), note.VerifierList(verifier))
	if err != nil {
		return opened{Error: err.Error()}
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return opened{Error: "checkpoint has fewer than three lines"}
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return opened{Error: "size: " + err.Error()}
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return opened{Error: "root: " + err.Error()}
	}
	return opened{Origin: lines[0], Size: size, Root: hex.EncodeToString(root[:]), Extra: lines[3]}
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var ans answer
	if req.VerifierKey != "" {
		verifier, err := note.NewVerifier(req.VerifierKey)
		if err != nil {
			fmt.Fprintln(os.Stderr, "verifier key:", err)
			os.Exit(2)
		}
		for _, text := range req.Checkpoints {
			ans.Checkpoints = append(ans.Checkpoints, openCheckpoint(text, verifier))
		}
	}
	// Go's own tree over the same leaf hashes: its roots and proofs, to compare byte for byte.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			out[i] = stored[index]
		}
		return out, nil
	})
	for i, leaf := range hashes(req.Leaves) {
		more, err := tlog.StoredHashesForRecordHash(int64(i), leaf, reader)
		if err != nil {
			panic(err)
		}
		stored = append(stored, more...)
	}
	for n := int64(1); n <= int64(len(req.Leaves)); n++ {
		root, err := tlog.TreeHash(n, reader)
		if err != nil {
			panic(err)
		}
		ans.Roots = append(ans.Roots, hex.EncodeToString(root[:]))
	}
	for _, p := range req.Inclusions {
		c := checked{}
		if err := tlog.CheckRecord(hashes(p.Path), p.Size, hash(p.Root), p.Index, hash(p.LeafHash)); err != nil {
			c.Error = err.Error()
		}
		if p.Size <= int64(len(req.Leaves)) {
			proof, err := tlog.ProveRecord(p.Size, p.Index, reader)
			if err != nil {
				panic(err)
			}
			c.GoPath = hexes(proof)
		}
		ans.Inclusions = append(ans.Inclusions, c)
	}
	for _, p := range req.Consistencies {
		c := checked{}
		if err := tlog.CheckTree(hashes(p.Path), p.Second, hash(p.SecondRoot), p.First, hash(p.FirstRoot)); err != nil {
			c.Error = err.Error()
		}
		if p.Second <= int64(len(req.Leaves)) {
			proof, err := tlog.ProveTree(p.Second, p.First, reader)
			if err != nil {
				panic(err)
			}
			c.GoPath = hexes(proof)
		}
		ans.Consistencies = append(ans.Consistencies, c)
	}
	if req.Tiles != nil {
		checked := checkTiles(*req.Tiles)
		ans.Tiles = &checked
	}
	if err := json.NewEncoder(os.Stdout).Encode(ans); err != nil {
		panic(err)
	}
}
