package simulator

import (
	"net/http"
	"path"
	"strings"
	"time"
)

// Azure Resource Manager's view of a Compute Gallery (vm-image-release.md
// §1.3, learn.microsoft.com "Gallery Image Versions - Get"): image versions
// with their provisioningState, image definitions with hyperVGeneration,
// architecture and osType. ARM's quirks: paths without case, ids answered
// in their own case, tokens for https://management.azure.com only.

// The gallery and its contents.
const (
	GallerySubscription  = "9d3f2a1c-5b6e-4f70-8a91-b2c3d4e5f607"
	GalleryResourceGroup = "contoso-images"
	Gallery              = "contosogallery"
	ARMAPIVersion        = "2024-03-03"
	// ARMObjectID is the app's service principal, as a 403 names it.
	ARMObjectID = "e1d2c3b4-a596-4877-9a6b-5c4d3e2f1a0b"

	galleryImages = "/subscriptions/" + GallerySubscription + "/resourceGroups/" + GalleryResourceGroup +
		"/providers/Microsoft.Compute/galleries/" + Gallery + "/images/"
	// Image definitions: Gen2 x64, Gen1 x64, Gen2 Arm64, all Linux.
	GalleryImageGen2  = galleryImages + "contoso-vm-gen2"
	GalleryImageGen1  = galleryImages + "contoso-vm-gen1"
	GalleryImageArm64 = galleryImages + "contoso-vm-arm64"

	// Image versions, Succeeded unless said: the two in PlanGen2's trees,
	// the new one (NewVersion), one still Creating, and NewVersion of the
	// Gen1 and Arm64 definitions.
	GalleryVersionDeprecated = GalleryImageGen2 + "/versions/" + DeprecatedVersion
	GalleryVersionPublished  = GalleryImageGen2 + "/versions/" + PublishedVersion
	GalleryVersionNew        = GalleryImageGen2 + "/versions/" + NewVersion
	GalleryVersionCreating   = GalleryImageGen2 + "/versions/1.2.0" // Creating
	GalleryVersionGen1       = GalleryImageGen1 + "/versions/" + NewVersion
	GalleryVersionArm64      = GalleryImageArm64 + "/versions/" + NewVersion
)

type galleryImage struct{ id, generation, architecture string }

// armState is the gallery as ARM serves it; the server's mu guards it.
type armState struct {
	images    map[string]galleryImage // lower-case id → definition
	versions  map[string][2]string    // lower-case id → id, provisioningState
	forbidden bool
}

func newARMState() *armState {
	st := &armState{images: map[string]galleryImage{}, versions: map[string][2]string{}}
	for _, im := range []galleryImage{{GalleryImageGen2, "V2", "x64"}, {GalleryImageGen1, "V1", "x64"}, {GalleryImageArm64, "V2", "Arm64"}} {
		st.images[strings.ToLower(im.id)] = im
	}
	for _, id := range []string{GalleryVersionDeprecated, GalleryVersionPublished, GalleryVersionNew, GalleryVersionGen1, GalleryVersionArm64} {
		st.versions[strings.ToLower(id)] = [2]string{id, "Succeeded"}
	}
	st.versions[strings.ToLower(GalleryVersionCreating)] = [2]string{GalleryVersionCreating, "Creating"}
	return st
}

// WithGalleryVersion adds (or sets) an image version of one of the
// gallery's definitions with the provisioningState given (Succeeded,
// Creating, Failed, …).
func WithGalleryVersion(id, state string) Option {
	return func(s *Server) { s.arm.versions[strings.ToLower(id)] = [2]string{id, state} }
}

// WithARMForbidden makes ARM answer 403 AuthorizationFailed: the app has no
// role on the gallery, so a client's check must be skipped, not failed.
func WithARMForbidden() Option { return func(s *Server) { s.arm.forbidden = true } }

func (s *Server) armRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /subscriptions/", s.armGet)
}

func armError(w http.ResponseWriter, code int, kind, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": kind, "message": msg}})
}

// armAuth answers ARM's 401 for a request without a live token for
// ARMResource and reports false; true when the token is good.
func (s *Server) armAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	g, issued := s.tokens[strings.TrimPrefix(auth, "Bearer ")]
	s.mu.Unlock()
	now := time.Now()
	kind, msg := "", ""
	switch {
	case !strings.HasPrefix(auth, "Bearer "):
		kind, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
	case !issued:
		kind, msg = "InvalidAuthenticationToken", "The access token is invalid."
	case now.After(g.expiry):
		kind, msg = "ExpiredAuthenticationToken", "The access token expiry UTC time '"+g.expiry.UTC().Format("1/2/2006 3:04:05 PM")+"' is earlier than current UTC time '"+now.UTC().Format("1/2/2006 3:04:05 PM")+"'."
	case g.resource != ARMResource:
		kind, msg = "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource '"+g.resource+"'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
	default:
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.windows.net/`+Tenant+`", error="invalid_token", error_description="`+msg+`"`)
	armError(w, http.StatusUnauthorized, kind, msg)
	return false
}

// armGet answers GET of an image definition or image version.
func (s *Server) armGet(w http.ResponseWriter, r *http.Request) {
	if !s.armAuth(w, r) {
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	shape := []string{"subscriptions", "", "resourceGroups", "", "providers", "Microsoft.Compute", "galleries", "", "images", "", "versions", ""}
	if len(seg) != 10 && len(seg) != 12 {
		armError(w, http.StatusNotFound, "NotFound", "The simulator serves gallery image definitions and versions only.")
		return
	}
	for i, want := range shape[:len(seg)] {
		if want != "" && !strings.EqualFold(seg[i], want) {
			armError(w, http.StatusNotFound, "NotFound", "The simulator serves gallery image definitions and versions only.")
			return
		}
	}
	action := "Microsoft.Compute/galleries/images/read"
	if len(seg) == 12 {
		action = "Microsoft.Compute/galleries/images/versions/read"
	}
	s.mu.Lock()
	st := s.arm
	im, imFound := st.images[strings.ToLower(path.Join("/", path.Join(seg[:10]...)))]
	ver, verFound := st.versions[strings.ToLower(p)]
	forbidden := st.forbidden
	s.mu.Unlock()
	rg := seg[3]
	switch {
	case forbidden:
		armError(w, http.StatusForbidden, "AuthorizationFailed", "The client '"+ClientID+"' with object id '"+ARMObjectID+"' does not have authorization to perform action '"+action+"' over scope '"+p+"' or the scope is invalid. If access was recently granted, please refresh your credentials.")
	case !strings.EqualFold(seg[1], GallerySubscription):
		armError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+seg[1]+"' could not be found.")
	case !strings.EqualFold(rg, GalleryResourceGroup):
		armError(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+rg+"' could not be found.")
	case !imFound || len(seg) == 12 && !verFound:
		armError(w, http.StatusNotFound, "ResourceNotFound", "The Resource '"+strings.Join(seg[5:], "/")+"' under resource group '"+rg+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
	case len(seg) == 10:
		writeJSON(w, http.StatusOK, imageDefinition(im))
	default:
		writeJSON(w, http.StatusOK, imageVersion(ver[0], ver[1]))
	}
}

func imageDefinition(im galleryImage) map[string]any {
	features := []any{}
	if im.generation == "V2" {
		features = append(features, map[string]any{"name": "SecurityType", "value": "TrustedLaunchSupported"})
	}
	return map[string]any{
		"id": im.id, "name": path.Base(im.id), "type": "Microsoft.Compute/galleries/images", "location": "westeurope", "tags": map[string]any{},
		"properties": map[string]any{
			"hyperVGeneration": im.generation, "architecture": im.architecture, "osType": "Linux", "osState": "Generalized",
			"identifier":        map[string]any{"publisher": "contoso", "offer": "contoso-vm", "sku": path.Base(im.id)},
			"recommended":       map[string]any{"vCPUs": map[string]any{"min": 2, "max": 16}, "memory": map[string]any{"min": 4, "max": 64}},
			"features":          features,
			"provisioningState": "Succeeded",
		},
	}
}

func imageVersion(id, state string) map[string]any {
	return map[string]any{
		"id": id, "name": path.Base(id), "type": "Microsoft.Compute/galleries/images/versions", "location": "westeurope", "tags": map[string]any{},
		"properties": map[string]any{
			"publishingProfile": map[string]any{
				"targetRegions": []any{
					map[string]any{"name": "West Europe", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS"},
					map[string]any{"name": "East US", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS"},
				},
				"replicaCount": 1, "excludeFromLatest": false, "publishedDate": "2026-11-20T08:00:00.0000000+00:00",
				"storageAccountType": "Standard_LRS", "replicationMode": "Full",
			},
			"storageProfile": map[string]any{
				"source":         map[string]any{"virtualMachineId": "/subscriptions/" + GallerySubscription + "/resourceGroups/" + GalleryResourceGroup + "/providers/Microsoft.Compute/virtualMachines/packer-build"},
				"osDiskImage":    map[string]any{"sizeInGB": 30, "hostCaching": "ReadWrite", "source": map[string]any{}},
				"dataDiskImages": []any{},
			},
			"safetyProfile":     map[string]any{"allowDeletionOfReplicatedLocations": false, "reportedForPolicyViolation": false},
			"provisioningState": state,
		},
	}
}
