# rewardgym server image: `rewardgym serve` on 0.0.0.0:50051 (gRPC), metrics on :9090.
#
#   docker build -f docker/server.Dockerfile -t rewardgym/server .
#
# BASE_IMAGE defaults to the official python:3.11-slim. Where no registry is reachable, build a base
# with docker/build_base.sh and pass --build-arg BASE_IMAGE=rewardgym/base:bookworm. Both bases work:
# everything is installed into a venv at /opt/venv (Debian's system python refuses global pip installs).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Layer 1 (cached until pyproject.toml changes): the dependencies of `.[server]`, read from pyproject;
# the unprivileged user.
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -m venv /opt/venv \
 && python3 -c "import tomllib; p = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']; \
deps = p['dependencies'] + p.get('optional-dependencies', {}).get('server', []); \
print('\n'.join(d for d in deps if not d.startswith('rewardgym')))" > /tmp/requirements.txt \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt 'setuptools>=68' wheel \
 && rm -f /tmp/requirements.txt /tmp/pyproject.toml \
 && useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin rewardgym

# Image metadata before the source, so a source change rebuilds two layers and nothing else.
LABEL org.rewardgym.image="server"
WORKDIR /tmp
ENV REWARDGYM_ADDRESS=0.0.0.0:50051 \
    REWARDGYM_METRICS_ADDRESS=0.0.0.0:9090
EXPOSE 50051 9090
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
    CMD ["rewardgym", "health", "--address", "127.0.0.1:50051"]
ENTRYPOINT ["rewardgym"]
CMD ["serve"]

# Layer 2: the project itself (cheap; no dependency resolution).
COPY . /src
RUN cd /src && { [ -f README.md ] || echo "rewardgym" > README.md; } \
 && /opt/venv/bin/pip install --no-deps --no-build-isolation . \
 && cd / && rm -rf /src \
 && rewardgym --help >/dev/null
USER 10001:10001
