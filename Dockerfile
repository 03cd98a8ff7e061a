# syntax=docker/dockerfile:1
#
# fluxd in a container: a static binary (no cgo: the SQLite store is pure
# Go) on distroless "static", which has CA certificates, the IANA zone
# database and a non-root user, and nothing else (no shell). The binary
# also carries its own zone database (time/tzdata).
#
#   docker build -t fluxd .
#   docker run --rm -p 127.0.0.1:8000:8000 -v flux-data:/data fluxd
#
# compose.yaml runs it with PostgreSQL.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
    -o /out/fluxd ./cmd/fluxd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fluxd /usr/local/bin/fluxd
# The data directory (the embedded SQLite store when DATABASE_URL is unset),
# owned by the image's non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV HOST=0.0.0.0 \
    PORT=8000 \
    FLUX_DATA_DIR=/data \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/fluxd"]
CMD ["serve"]
