# Build a static binary (.ci/build, the same build the benchmark measures),
# then ship it alone: no shell, no CA files (the binary embeds its CA roots).
# No "# syntax=" line: BuildKit's built-in frontend reads this file, so a build
# pulls no frontend image from Docker Hub.
#
# The base is pinned by its multi-arch index digest, so a rebuild of an old
# commit uses the same toolchain; Dependabot's docker ecosystem moves the pin.
# The digest is golang:1.26-alpine (then 1.26.9-alpine3.24) as pinned in
# public repositories in October 2026; it was not re-read from Docker Hub here.
FROM golang:1.26-alpine@sha256:3082400e369fa24d5fc60bca20edab3f6d604e0c5a690ec66b295eff4dd87ade AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN sh .ci/build /out/marketplace-gate

FROM scratch
COPY --from=build /out/marketplace-gate /marketplace-gate
# No USER: GitHub's docs say Docker actions must run as the default Docker user
# (root). The runner passes no --user, and it creates GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY and the other file-command files as its own user, with
# its umask: another user in the container may not be able to write them.
ENTRYPOINT ["/marketplace-gate"]
