# The helm-unstick image, the chart's default (deploy/chart: image.repository helm-unstick, tag = appVersion).
# It holds the native binary that scripts/package.sh builds and packages, on Ubuntu Chiseled: CA certificates plus
# the glibc and OpenSSL libraries a native .NET executable loads; no shell, no package manager. It runs as the
# unprivileged uid 1654 and writes nothing outside its volumes, so a read-only root filesystem suits it.
# Build from the repository root, on a machine of the image's architecture (Native AOT does not cross-compile):
#   docker build --build-arg VERSION=0.1.0 --build-arg COMMIT="$(git rev-parse HEAD)" -t helm-unstick:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG VERSION=0.1.0
ARG COMMIT
# The native toolchain that Native AOT links with.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig README.md ./
COPY scripts/package.sh scripts/
COPY src/ src/
RUN HELM_UNSTICK_COMMIT="$COMMIT" scripts/package.sh "$VERSION"

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
ARG VERSION=0.1.0
COPY --from=build /src/dist/helm-unstick-${VERSION}/helm-unstick /usr/local/bin/helm-unstick
USER 1654
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/helm-unstick"]
CMD ["serve", "--all-namespaces"]
