# Longhaul as a container: a static binary (no cgo: SQLite is pure Go) in a
# distroless image, run as a non-root user, with its data under /data.
#
#   docker build -t longhaul --build-arg VERSION=$(git describe --always) .
#   docker run --read-only --tmpfs /tmp -v longhaul-data:/data -p 8080:8080 \
#     -e LONGHAUL_TRUSTED_PROXIES=10.0.0.0/8 longhaul
#
# See docs/deploy.md.

# --- build: the binary, statically linked, without the build machine's paths
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X github.com/longhaul/longhaul/internal/cli.Version=${VERSION}" -o /out/longhaul ./cmd/longhaul \
 && mkdir -p /out/data

# --- run: nothing but the binary; no shell, no package manager, no curl
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/longhaul /longhaul
# The database lives on the volume; the root filesystem can be read-only.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
# 65532 is distroless's "nonroot" user.
USER 65532:65532
ENV LONGHAUL_DB=/data/longhaul.db \
    LONGHAUL_ADDR=:8080 \
    LONGHAUL_LOG_FORMAT=json \
    LONGHAUL_PRODUCTION=true \
    LONGHAUL_URL=http://127.0.0.1:8080/healthz
EXPOSE 8080
# The binary asks itself: LONGHAUL_URL is the address it asks (with TLS,
# set it to https://127.0.0.1:8443/healthz and LONGHAUL_INSECURE=true).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/longhaul", "health"]
ENTRYPOINT ["/longhaul"]
CMD ["serve"]
