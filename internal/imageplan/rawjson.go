package imageplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// member is one key of a JSON object as read: the key's bytes (escapes
// included) and its value's bytes, so writing it back changes no token.
type member struct {
	key    string // decoded, for lookups
	rawKey []byte // as read, quotes included
	value  json.RawMessage
}

// object is a JSON object kept in the order read, duplicates included. It is
// never decoded into a map: a map round trip would reorder keys, and an
// any-typed one would turn big integers into floats.
type object struct {
	members []member
}

var errNotObject = errors.New("not a JSON object")

// parseObject reads data, which must be one JSON object and nothing more.
func parseObject(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	o := &object{}
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // inside an object the decoder only yields string keys
		// The key's own bytes: InputOffset is the end of the previous value, so
		// what lies before the quote is white space and the comma.
		rawKey := bytes.TrimLeft(data[start:dec.InputOffset()], " \t\r\n,")
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o.members = append(o.members, member{key: key, rawKey: bytes.Clone(rawKey), value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return o, nil
}

// get is the value of key (the last one, as encoding/json would take it).
func (o *object) get(key string) (json.RawMessage, bool) {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return o.members[i].value, true
		}
	}
	return nil, false
}

// str is key's value when it is a JSON string.
func (o *object) str(key string) (string, bool) {
	raw, ok := o.get(key)
	if !ok {
		return "", false
	}
	return asString(raw)
}

// child is key's value when it is a JSON object.
func (o *object) child(key string) (*object, bool) {
	raw, ok := o.get(key)
	if !ok {
		return nil, false
	}
	c, err := parseObject(raw)
	return c, err == nil
}

// clone is a copy whose members can be changed without changing o.
func (o *object) clone() *object {
	return &object{members: append([]member(nil), o.members...)}
}

// set replaces key's value in place (the last one), or appends the key.
func (o *object) set(key string, value []byte) {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			o.members[i].value = value
			return
		}
	}
	rawKey, _ := marshal(key)
	o.members = append(o.members, member{key: key, rawKey: rawKey, value: value})
}

// remove drops every member named key.
func (o *object) remove(key string) {
	kept := o.members[:0:0]
	for _, m := range o.members {
		if m.key != key {
			kept = append(kept, m)
		}
	}
	o.members = kept
}

// bytes is the object written back compact: every key and value token as
// read, only the white space between tokens gone.
func (o *object) bytes() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(m.rawKey)
		b.WriteByte(':')
		if err := json.Compact(&b, m.value); err != nil {
			b.Write(m.value) // values were validated when read; unreachable
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// parseArray reads a JSON array into its elements' bytes. A null or absent
// value is an empty list (isNull reports which it was).
func parseArray(raw json.RawMessage) (elems []json.RawMessage, isNull bool, err error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, true, nil
	}
	if t[0] != '[' {
		return nil, false, errors.New("not a JSON array")
	}
	if err := json.Unmarshal(t, &elems); err != nil {
		return nil, false, err
	}
	return elems, false, nil
}

// arrayBytes writes elements as a compact JSON array.
func arrayBytes(elems []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := json.Compact(&b, e); err != nil {
			b.Write(e)
		}
	}
	b.WriteByte(']')
	return b.Bytes()
}

// asString decodes raw when it is a JSON string.
func asString(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(t, &s) != nil {
		return "", false
	}
	return s, true
}

// semantic decodes raw for comparing: numbers as their literal text
// (json.Number), so 1 and 1.0 differ as they do on the wire and no digit of a
// big integer is lost; nulls are kept as nil map values.
func semantic(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// marshal encodes v without HTML escaping: a SAS URI's & stays &, so a
// printed document reads as sent.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
