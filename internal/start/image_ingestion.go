package start

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/imageplan"
	"github.com/marketplace-gate/marketplace-gate/internal/imagesource"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// ImageIngestion starts an image release on the product-ingestion API: a
// new version in one plan's technical configuration, sent to the draft
// (start: add-image) or sent with the draft submission to preview in one
// configure job (start: publish). Every check runs before anything is sent;
// the job is then followed as any, and Verify reads the plan back.
type ImageIngestion struct {
	Client *ingestion.Client
	// ARM reads the gallery image version for its check; nil when no token
	// for Azure Resource Manager can be had (access-token): the check is
	// then skipped, with a warning.
	ARM     imagesource.GalleryReader
	Kind    config.Start // config.StartPublish or config.StartAddImage
	Version string       // the schema version of the documents built
	DryRun  bool
	Release imageplan.Release
	// AllowDraftChanges lets a publish ship the draft's other unpublished
	// changes with the image.
	AllowDraftChanges bool
	// Publisher is the publisher id the image URNs start with; "" for none.
	Publisher string
	SAS       imagesource.SASPolicy
	// Mask hides a secret (a SAS signature) from all that is shown; it is
	// called as soon as one is read, before anything could show it.
	Mask func(string)
}

// Start runs the checks (the SAS rules; no submission running; the plan,
// its SKUs and versions in draft, preview and live; the gallery version in
// Azure Resource Manager; the draft's other changes), then sends the one
// configure job, or nothing when the version is already where it was asked
// to go.
func (s *ImageIngestion) Start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error) {
	// An API's answer may quote a SAS URI sent (a refusal, a lost answer):
	// nothing returned shows a SAS query, as with the CPP release.
	res, err := s.start(ctx, t, retry)
	return scrubResult(res), scrubError(err)
}

func (s *ImageIngestion) start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error) {
	send := sender{retry: retry}
	gallery, err := s.checkSource()
	if err != nil {
		return Result{}, err
	}
	product, err := (&Ingestion{Client: s.Client}).product(ctx, send, t)
	if err != nil {
		return Result{}, err
	}
	if product == "" {
		return Result{}, errors.New("an image release needs the product: give product-id or external-id; nothing was started")
	}
	subs, err := idleSubmissions(ctx, send, s.Client, product)
	if err != nil {
		return Result{}, err
	}
	trees, newest, err := s.trees(ctx, send, product, subs)
	if err != nil {
		return Result{}, err
	}
	c, err := imageplan.Prepare(s.Release, trees)
	if err != nil {
		return Result{}, err
	}
	image := &Image{Version: c.Release.Version, SKUIDs: c.SKUIDs, URNs: c.URNs(s.Publisher)}
	if c.Outcome == imageplan.Published || c.Outcome == imageplan.InDraft && s.Kind == config.StartAddImage {
		if s.DryRun {
			return Result{Plan: "nothing: " + c.Notice(), Image: image}, nil
		}
		return Result{Done: c.Notice(), Image: image}, nil
	}

	var res Result
	if gallery != nil {
		if res.Warnings, err = s.checkGallery(ctx, send, *gallery, c.Release.ImageTypes); err != nil {
			return res, err
		}
		if len(res.Warnings) == 0 {
			res.Said = append(res.Said, fmt.Sprintf("Gallery image version %s is Succeeded in Azure Resource Manager, and its image definition makes it %s", gallery.Name(), typeList(c.Release.ImageTypes)))
		}
	}
	if s.Kind == config.StartPublish {
		if ids := imageplan.DraftChanges(trees.Draft, newest, c.TechConfigID); len(ids) > 0 {
			if !s.AllowDraftChanges {
				return res, imageplan.DraftChangesError(c.OfferID, s.Release.PlanID, ids)
			}
			res.Said = append(res.Said, fmt.Sprintf("allow-draft-changes: the publish also ships the draft's other unpublished changes (%s)", listed(ids)))
		}
	}
	doc, what, err := s.document(c, subs)
	if err != nil {
		return res, err
	}
	res.Image = image
	request := "POST configure (" + what + ")"
	if s.DryRun {
		shown, err := imageplan.Redact(doc)
		if err != nil {
			return res, err
		}
		res.Plan = request + ", then follow the job it starts"
		res.Said = append(res.Said, "The configure document it would send, SAS query strings redacted: "+string(shown))
		return res, nil
	}
	noun := "the publish"
	var lost func(string) error
	if s.Kind == config.StartAddImage {
		noun = "the configure job"
		lost = func(unsure string) error {
			return fmt.Errorf("%s. A technical configuration alone makes no submission to look for: look at the draft of plan %s in Partner Center. Once the job has ended, running this step again is safe: it finds version %s in the draft and sends nothing", unsure, s.Release.PlanID, c.Release.Version)
		}
	}
	sent, err := configureOnce(ctx, send, s.Client, t, product, subs, doc, request, noun, lost)
	sent.Said = append(res.Said, sent.Said...)
	sent.Warnings, sent.Image = res.Warnings, image
	if err != nil {
		return sent, err
	}
	sent.Verify = s.verifier(send, product, c)
	return sent, nil
}

// checkSource masks the given SAS signatures and checks the SAS rules, or
// reads the gallery image version's id: nothing is sent yet.
func (s *ImageIngestion) checkSource() (*imagesource.GalleryImageVersionID, error) {
	if g := s.Release.Source.Gallery; g != nil {
		id, err := imagesource.ParseGalleryImageVersionID(g.ResourceID)
		if err != nil {
			return nil, err
		}
		return &id, nil
	}
	sas := s.Release.Source.SAS
	if sas == nil {
		return nil, errors.New("the image release has no source: give gallery-image-version-id or os-disk-sas-uri")
	}
	for _, uri := range append([]string{sas.OSDisk}, sas.DataDisks...) {
		for _, sig := range imagesource.Secrets(uri) {
			s.mask(sig)
		}
	}
	if err := imagesource.CheckSASDisks(sas.OSDisk, sas.DataDisks, s.SAS); err != nil {
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	return nil, nil
}

func (s *ImageIngestion) mask(secret string) {
	if s.Mask != nil {
		s.Mask(secret)
	}
}

// trees reads the draft tree and those of preview and live where the
// submission list shows them, and picks the newest published one (the
// draft's changes are what differs from it).
func (s *ImageIngestion) trees(ctx context.Context, send sender, product string, subs []ingestion.Submission) (imageplan.Trees, *imageplan.Tree, error) {
	var trees imageplan.Trees
	var err error
	if trees.Draft, err = s.readTree(ctx, send, product, imageplan.Draft); err != nil {
		return trees, nil, readFailed("reading the draft resource tree of product "+product, err)
	}
	var at [2]time.Time
	for i, target := range []string{imageplan.Preview, imageplan.Live} {
		sub, ok := ingestion.LatestTo(subs, target)
		if !ok {
			continue
		}
		// Only a target whose newest submission succeeded holds what was
		// published there; a failed one's tree proves nothing (the version
		// is then treated as unpublished, and sent again).
		if st, _ := snapshot.ParseState(sub.Status); st != snapshot.StateCompleted || !strings.EqualFold(sub.Result, "succeeded") {
			continue
		}
		at[i], _ = sub.CreatedAt()
		tree, err := s.readTree(ctx, send, product, target)
		if err != nil {
			return trees, nil, readFailed("reading the "+target+" resource tree of product "+product, err)
		}
		if target == imageplan.Preview {
			trees.Preview = tree
		} else {
			trees.Live = tree
		}
	}
	newest := trees.Preview
	if newest == nil || trees.Live != nil && at[1].After(at[0]) {
		newest = trees.Live
	}
	return trees, newest, nil
}

// readTree reads one target's resource tree, masking every SAS signature in
// it (earlier versions' SAS URIs) before it is parsed: a parse error must
// not be the first to show one.
func (s *ImageIngestion) readTree(ctx context.Context, send sender, product, target string) (*imageplan.Tree, error) {
	var body []byte
	err := send.read(ctx, func(ctx context.Context) (err error) {
		body, err = s.Client.ResourceTree(ctx, product, target)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, sig := range imageplan.Signatures(body) {
		s.mask(sig)
	}
	tree, err := imageplan.ParseTree(body)
	if err != nil {
		return nil, err
	}
	// A tree is evidence only of the target it says it is: a draft tree
	// answered for preview would pass a version that was never published.
	if !strings.EqualFold(tree.Target, target) {
		return nil, fmt.Errorf("GET resource-tree?targetType=%s answered a tree whose target is %q, not %s: it says nothing about %s", target, tree.Target, target, target)
	}
	return tree, nil
}

// checkGallery reads the gallery image version and its definition from
// Azure Resource Manager and checks them for the image types the release
// goes to. A refusal to read (401, 403, or no token for the gallery's
// tenant) skips the check with a warning; without ARM it is skipped too.
func (s *ImageIngestion) checkGallery(ctx context.Context, send sender, id imagesource.GalleryImageVersionID, types []imageplan.ImageType) ([]string, error) {
	if s.ARM == nil {
		return []string{fmt.Sprintf("gallery image version %s was not checked: with access-token the gate has no token for Azure Resource Manager, so its state, generation and architecture are left to Partner Center. Sign in with client-id (and client-secret or OIDC) to have them checked", id.Name())}, nil
	}
	requested := make([]string, len(types))
	for i, t := range types {
		requested[i] = string(t)
	}
	var check imagesource.GalleryCheck
	err := send.read(ctx, func(ctx context.Context) (err error) {
		check, err = imagesource.CheckGallery(ctx, s.ARM, id, requested)
		return err
	})
	var failed *imagesource.Error
	var noToken *auth.Error
	switch {
	case errors.As(err, &failed):
		return nil, fmt.Errorf("%w; nothing was sent", err)
	case errors.As(err, &noToken):
		return []string{fmt.Sprintf("gallery image version %s was not checked: no token for Azure Resource Manager could be had in the gallery's tenant (gallery-tenant-id): %v. Its state, generation and architecture are left to Partner Center", id.Name(), err)}, nil
	case err != nil:
		return nil, readFailed("checking gallery image version "+id.Name(), err)
	case check.Skipped:
		return []string{check.Warning}, nil
	}
	return nil, nil
}

// document is the configure document to send, and what it does in words.
func (s *ImageIngestion) document(c *imageplan.Change, subs []ingestion.Submission) ([]byte, string, error) {
	r := c.Release
	if s.Kind == config.StartAddImage {
		doc, err := c.AddImageDocument(s.Version)
		return doc, fmt.Sprintf("the technical configuration of plan %s with version %s, to the draft", r.PlanID, r.Version), err
	}
	sub := ""
	for _, e := range subs {
		if strings.EqualFold(e.Target.TargetType, imageplan.Draft) {
			if _, plain := ingestion.ParseSubmissionID(e.ID); !plain {
				return nil, "", fmt.Errorf("product %s: the API named its draft submission %q, which is not submission/{product}/{id}; nothing was started", c.Product, e.ID)
			}
			sub = e.ID
			break
		}
	}
	doc, err := c.PublishDocument(s.Version, sub)
	if sub == "" {
		sub = c.DraftSubmission
	}
	what := "submission " + sub
	if sub == "" {
		what = "a submission"
	}
	if c.Outcome == imageplan.InDraft {
		return doc, fmt.Sprintf("%s to preview; version %s of plan %s is in the draft already", what, r.Version, r.PlanID), err
	}
	return doc, fmt.Sprintf("the technical configuration of plan %s with version %s, and %s to preview", r.PlanID, r.Version, what), err
}

// verifier reads the plan back once the job passed and proves the version
// is there with the source sent: in the draft after an add-image, in the
// preview after a publish (the job ends once the preview is ready; what
// preview holds is what was asked for, so the draft is not read too).
func (s *ImageIngestion) verifier(send sender, product string, c *imageplan.Change) func(context.Context) error {
	targets := []string{imageplan.Draft}
	if s.Kind == config.StartPublish {
		targets = []string{imageplan.Preview}
	}
	return func(ctx context.Context) error {
		for _, target := range targets {
			tree, err := s.readTree(ctx, send, product, target)
			if err != nil {
				return fmt.Errorf("the configure job succeeded, but reading the %s back to prove that version %s is in plan %s failed: %w; look at the plan in Partner Center", target, c.Release.Version, c.Release.PlanID, err)
			}
			if err := c.Verify(tree); err != nil {
				return err
			}
		}
		return nil
	}
}

func typeList(ts []imageplan.ImageType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, " and ")
}

// listed names ids in a message, the first 20 at most.
func listed(ids []string) string {
	const most = 20
	if len(ids) <= most {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:most], ", ") + fmt.Sprintf(" and %d more", len(ids)-most)
}
