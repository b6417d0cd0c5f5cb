# rewardgym sandbox image: the code-execution service (remote backend) with the toolchains of the
# supported languages, from Debian packages: Python (the venv's CPython), C/C++ (gcc/g++),
# JavaScript (nodejs), Java (default-jdk-headless).
#
#   docker build -f docker/sandbox.Dockerfile -t rewardgym/sandbox .
#
# BASE_IMAGE as in server.Dockerfile (python:3.11-slim by default; rewardgym/base:bookworm offline).
# What the container needs at run time (capabilities, seccomp, init) is in docs/deploy.md.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# Layer 1 (rarely changes): toolchains. default-jdk-headless is openjdk-17 on bookworm and
# openjdk-21 on trixie (what python:3.11-slim tracks), so the same line works on both bases.
# tini: a PID 1 that reaps, where the runtime has no `init: true` (Kubernetes manifests use it).
# The man1 folder works around openjdk's postinst on slim images that strip /usr/share/man.
ARG TOOLCHAINS="gcc g++ libc6-dev nodejs default-jdk-headless"
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libseccomp2 tini ${TOOLCHAINS} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Layer 2 (cached until pyproject.toml changes): Python dependencies, same recipe as the server image.
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -m venv /opt/venv \
 && python3 -c "import tomllib; p = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']; \
deps = p['dependencies'] + p.get('optional-dependencies', {}).get('server', []); \
print('\n'.join(d for d in deps if not d.startswith('rewardgym')))" > /tmp/requirements.txt \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt 'setuptools>=68' wheel \
 && rm -f /tmp/requirements.txt /tmp/pyproject.toml

# Image metadata before the source, so a source change rebuilds two layers and nothing else.
# The executor switches each run to a per-slot unprivileged uid (20000+k) inside fresh namespaces,
# so the service itself starts as root *inside the container* with a reduced capability set
# (compose.yaml: cap_drop ALL + the few it needs). The code it runs never has root or capabilities.
LABEL org.rewardgym.image="sandbox"
WORKDIR /tmp
EXPOSE 50052
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
    CMD ["rewardgym", "health", "--address", "127.0.0.1:50052"]
ENTRYPOINT ["python", "-m", "sandbox"]
CMD ["serve", "--addr", "0.0.0.0:50052"]

# Layer 3: the project.
COPY . /src
RUN cd /src && { [ -f README.md ] || echo "rewardgym" > README.md; } \
 && /opt/venv/bin/pip install --no-deps --no-build-isolation . \
 && cd / && rm -rf /src \
 && python -c "import sandbox"
