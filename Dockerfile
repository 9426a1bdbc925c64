# HuggingFace Docker Space: the game on port 7860 with the production model
# (Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_0), downloaded at build time only.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*

# Spaces run the container as uid 1000.
RUN useradd -m -u 1000 user
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt huggingface_hub==2.4.0

COPY scripts/download_model.py scripts/download_model.py
RUN mkdir -p /models && python scripts/download_model.py --dest /models \
    --repo Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF --file qwen2.5-coder-1.5b-instruct-q4_0.gguf \
 && chown -R user:user /models

COPY --chown=user:user . .
# The game log (restarts without loss, replays): /data is where a Space's persistent storage is
# mounted; without it the directory lives as long as the container.
RUN mkdir -p /data && chown user:user /data
USER user

# LLM_USE_MMAP=0: llama.cpp repacks Q4_0 weights for its AVX kernels, and with
# mmap the mapped file stays resident too (1.75 GiB against 1.06 GiB,
# docs/BENCHMARKS.md part 7).
# LLM_THREADS=2: on the Space's 2 vCPU an order takes 0.93 s instead of 1.69 s and
# ten busy rooms get their orders twice as fast, while the tick stays smooth (the
# model threads run at nice 10; docs/BENCHMARKS.md part 11).
ENV PORT=7860 \
    HOST=0.0.0.0 \
    MODEL_PATH=/models/qwen2.5-coder-1.5b-instruct-q4_0.gguf \
    LLM_USE_MMAP=0 \
    LLM_THREADS=2 \
    LLM_THREADS_BATCH=2 \
    HF_HUB_OFFLINE=1 \
    DATA_DIR=/data \
    PYTHONUNBUFFERED=1
EXPOSE 7860
CMD ["python", "app.py"]
