FROM python:3.11.13-slim-bookworm
WORKDIR /app
# the pinned runtime dependencies first (a layer that changes only with the lock)
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY lrs ./lrs
COPY translators ./translators
RUN pip install --no-cache-dir --no-deps .
USER nobody
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready').status != 200)"
CMD ["lrs-bridge", "serve", "--host", "0.0.0.0", "--port", "8000"]
