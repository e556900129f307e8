module github.com/marketplace-gate/marketplace-gate

go 1.26.0

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/sethvargo/go-githubactions v1.3.2
	golang.org/x/crypto/x509roots/fallback v0.0.0-20261030153154-30a33513ff6d
	golang.org/x/net v0.62.0
	golang.org/x/oauth2 v0.37.0
)
