# The init image of the kubernetes executor (docs/executors.md,
# "Kubernetes"): it holds the mlform binary at /usr/local/bin/mlform, where
# the executor's init_binary setting expects it. Each step's pod runs an
# init container of this image, `mlform step install /mlform/bin/mlform`,
# which copies the binary onto an emptyDir volume the step's container
# mounts, so the step's own image (Python, CUDA, ...) need not contain
# mlform. Build it from the same commit as the mlform that runs apply (the
# remote-step protocol is not versioned across releases):
#
#   docker build -t registry.example.com/mlform:TAG .
#
# and name it in the environment: kubernetes { init_image = "registry.example.com/mlform:TAG" }.
# The copy is done by mlform itself, so the image needs no shell or cp:
# distroless static, as a non-root user (an emptyDir is writable by all).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mlform ./cmd/mlform

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mlform /usr/local/bin/mlform
ENTRYPOINT ["/usr/local/bin/mlform"]
