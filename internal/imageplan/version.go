package imageplan

import (
	"slices"
	"strconv"
	"strings"
)

// version is one entry of a technical configuration's vmImageVersions, read
// for the checks (the entry itself is never rewritten).
type version struct {
	number    string
	lifecycle string
	images    []image
}

type image struct {
	imageType string
	source    *object // nil when absent or not an object
}

func (v version) deleted() bool { return strings.EqualFold(v.lifecycle, "deleted") }

// versions reads a technical configuration's vmImageVersions (absent or null:
// none).
func versions(tc resource) ([]version, error) {
	raw, ok := tc.obj.get("vmImageVersions")
	if !ok {
		return nil, nil
	}
	elems, _, err := parseArray(raw)
	if err != nil {
		return nil, errorf("technical configuration %s: vmImageVersions: %w", tc.id, err)
	}
	var out []version
	for i, e := range elems {
		o, err := parseObject(e)
		if err != nil {
			return nil, errorf("technical configuration %s: vmImageVersions[%d]: %w", tc.id, i, err)
		}
		v := version{}
		v.number, _ = o.str("versionNumber")
		v.lifecycle, _ = o.str("lifecycleState")
		if raw, ok := o.get("vmImages"); ok {
			imgs, _, err := parseArray(raw)
			if err != nil {
				return nil, errorf("technical configuration %s: version %s: vmImages: %w", tc.id, v.number, err)
			}
			for _, ie := range imgs {
				io, err := parseObject(ie)
				if err != nil {
					return nil, errorf("technical configuration %s: version %s: an image: %w", tc.id, v.number, err)
				}
				img := image{}
				img.imageType, _ = io.str("imageType")
				img.source, _ = io.child("source")
				v.images = append(v.images, img)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// find is the entry for number; false when there is none.
func find(vs []version, number string) (version, bool) {
	for _, v := range vs {
		if v.number == number {
			return v, true
		}
	}
	return version{}, false
}

// holds reports whether v holds exactly the images a release sends: the same
// image types, each with the same source.
func (v version) holds(types []ImageType, src Source) bool {
	if len(v.images) != len(types) {
		return false
	}
	for _, t := range types {
		n := 0
		for _, img := range v.images {
			if strings.EqualFold(img.imageType, string(t)) {
				n++
				if !sameSource(img.source, src) {
					return false
				}
			}
		}
		if n != 1 {
			return false
		}
	}
	return true
}

// sameSource compares a source read from a tree with the one a release
// sends: a gallery by resource id without case (ARM ids are
// case-insensitive); a SAS by SameSAS, disk by disk, data disks by LUN.
func sameSource(got *object, src Source) bool {
	if got == nil {
		return false
	}
	st, _ := got.str("sourceType")
	if g := src.Gallery; g != nil {
		shared, ok := got.child("sharedImage")
		if !strings.EqualFold(st, "sharedImageGallery") || !ok {
			return false
		}
		id, _ := shared.str("resourceId")
		return strings.EqualFold(id, g.ResourceID)
	}
	if !strings.EqualFold(st, "sasUri") {
		return false
	}
	os, ok := got.child("osDisk")
	if !ok {
		return false
	}
	uri, _ := os.str("uri")
	if !SameSAS(uri, src.SAS.OSDisk) {
		return false
	}
	var disks []string
	if raw, ok := got.get("dataDisks"); ok {
		elems, _, err := parseArray(raw)
		if err != nil {
			return false
		}
		type lunURI struct {
			lun int
			uri string
		}
		var byLUN []lunURI
		for _, e := range elems {
			d, err := parseObject(e)
			if err != nil {
				return false
			}
			lunRaw, _ := d.get("lunNumber")
			lun, err := strconv.Atoi(strings.TrimSpace(string(lunRaw)))
			if err != nil {
				return false
			}
			u, _ := d.str("uri")
			byLUN = append(byLUN, lunURI{lun, u})
		}
		slices.SortFunc(byLUN, func(a, b lunURI) int { return a.lun - b.lun })
		for i, d := range byLUN {
			if d.lun != i {
				return false
			}
			disks = append(disks, d.uri)
		}
	}
	if len(disks) != len(src.SAS.DataDisks) {
		return false
	}
	for i := range disks {
		if !SameSAS(disks[i], src.SAS.DataDisks[i]) {
			return false
		}
	}
	return true
}

// imageEntry is one vmImages entry as sent.
type imageEntry struct {
	ImageType ImageType `json:"imageType"`
	Source    any       `json:"source"`
}

type versionEntry struct {
	VersionNumber  string       `json:"versionNumber"`
	VMImages       []imageEntry `json:"vmImages"`
	LifecycleState string       `json:"lifecycleState"`
}

type galleryJSON struct {
	SourceType  string `json:"sourceType"`
	SharedImage struct {
		TenantID   string `json:"tenantId"`
		ResourceID string `json:"resourceId"`
	} `json:"sharedImage"`
}

type dataDiskJSON struct {
	LunNumber int    `json:"lunNumber"`
	URI       string `json:"uri"`
}

type sasJSON struct {
	SourceType string `json:"sourceType"`
	OSDisk     struct {
		URI string `json:"uri"`
	} `json:"osDisk"`
	// Always sent, [] when there are none: the schema allows 0–16 items,
	// cloudpub and azure-img-utils send [] to the live service, and trees
	// read back carry [] (cloudpub's recorded tree), so what is sent is what
	// is read back.
	DataDisks []dataDiskJSON `json:"dataDisks"`
}

// sourceJSON is src as a technical configuration's source.
func sourceJSON(src Source) any {
	if g := src.Gallery; g != nil {
		s := galleryJSON{SourceType: "sharedImageGallery"}
		s.SharedImage.TenantID = g.TenantID
		s.SharedImage.ResourceID = g.ResourceID
		return s
	}
	s := sasJSON{SourceType: "sasUri", DataDisks: []dataDiskJSON{}}
	s.OSDisk.URI = src.SAS.OSDisk
	for i, d := range src.SAS.DataDisks {
		s.DataDisks = append(s.DataDisks, dataDiskJSON{LunNumber: i, URI: d})
	}
	return s
}

// entryJSON is the new vmImageVersions entry: the version, one image per
// image type with the same source, generally available (the schema's
// default, said so the intent reads in the document).
func entryJSON(number string, types []ImageType, src Source) ([]byte, error) {
	e := versionEntry{VersionNumber: number, LifecycleState: "generallyAvailable"}
	for _, t := range types {
		e.VMImages = append(e.VMImages, imageEntry{ImageType: t, Source: sourceJSON(src)})
	}
	return marshal(e)
}
