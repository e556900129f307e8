package simulator

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"time"
)

// SASURI is a blob SAS URI for blob (a .vhd name) in the simulated storage
// account, as Partner Center asks for one (azure-vm-get-sas-uri.md): read
// and list only, valid from a day before now to 30 days after, full
// date-times. Its sig is derived from the rest, escaped as Azure writes it,
// so a test can look for it in the gate's output.
func SASURI(blob string, now time.Time) string {
	st := now.UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	se := now.UTC().Add(30 * 24 * time.Hour).Format(time.RFC3339)
	sum := sha256.Sum256([]byte(blob + "|" + st + "|" + se))
	q := "sv=2022-11-02&sr=b&st=" + url.QueryEscape(st) + "&se=" + url.QueryEscape(se) + "&sp=rl&sig=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sum[:]))
	return blobBase + blob + "?" + q
}
