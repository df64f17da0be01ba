# The helm-unstick CLI as an image for deploy/chart (serve). Build from the repository root:
#   docker build -t helm-unstick:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG RUNTIME=linux-x64
# helm-unstick is published ahead-of-time compiled: the native toolchain it links with.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props README.md ./
COPY src/ src/
RUN dotnet publish src/HelmUnstick.Cli -c Release -r "$RUNTIME" -o /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /out/ ./
# The image's unprivileged user (uid 1654); the chart also runs it with a read-only root filesystem.
USER 1654
EXPOSE 9090
ENTRYPOINT ["/app/helm-unstick"]
CMD ["serve", "--all-namespaces"]
