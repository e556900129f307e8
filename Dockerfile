# syntax=docker/dockerfile:1
# Build a static binary (.ci/build, the same build the benchmark measures),
# then ship it alone: no shell, no CA files (the binary embeds its CA roots).
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN sh .ci/build /out/marketplace-gate

FROM scratch
COPY --from=build /out/marketplace-gate /marketplace-gate
# No USER: the runner mounts GITHUB_OUTPUT and GITHUB_STEP_SUMMARY writable for root only.
ENTRYPOINT ["/marketplace-gate"]
