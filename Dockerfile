# The image that carries the mlform binary into Kubernetes pods
# (docs/executors.md, "kubernetes"): an init container of this image
# copies /usr/local/bin/mlform into an emptyDir the step's container
# shares, so the step's own image need not contain mlform.
#
#   docker build -t registry.example.com/mlform:TAG .
#
# busybox, not scratch: the init container needs cp.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mlform ./cmd/mlform

FROM busybox:1.37
COPY --from=build /out/mlform /usr/local/bin/mlform
ENTRYPOINT ["/usr/local/bin/mlform"]
