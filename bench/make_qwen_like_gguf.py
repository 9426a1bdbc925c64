"""Write a GGUF with the exact architecture of Qwen2.5-Coder-1.5B-Instruct
(random weights, a synthetic byte-level BPE vocabulary of the same size) and
quantize it to Q4_0 with llama.cpp, so the production-size model can be timed
without downloading it. The text it generates is garbage; the time it takes
per token is real.

    python bench/make_qwen_like_gguf.py --out models/qwen-like-1.5b-q4_0.gguf

Architecture (qwen2): 28 layers, hidden 1536, intermediate 8960, 12 attention
heads, 2 KV heads (head dim 128), vocab 151,936, tied embeddings (no
output.weight), q/k/v biases, rope theta 1e6, RMS eps 1e-6, context 32768,
ChatML template with <|im_start|>/<|im_end|> as control tokens.

Tokenizer: by default a synthetic byte-level BPE vocabulary, which cuts prompts into about 1.7x
as many tokens as Qwen's (34 instead of 20 for a typical order). ``--tiktoken`` takes Qwen's
real vocabulary instead (Qwen2/2.5 share Qwen's 151,643-token BPE; the file ``qwen.tiktoken``
ships in the ``dashscope`` wheel on PyPI) and derives the merges from its ranks: llama.cpp then
tokenizes prompts to exactly the production token ids, so latencies have production token counts::

    pip download dashscope==2.0.2 --no-deps -d /tmp/ds && unzip -o /tmp/ds/dashscope-2.0.2-*.whl \
        dashscope/resources/qwen.tiktoken -d /tmp/ds
    python bench/make_qwen_like_gguf.py --out models/qwen-real-vocab-1.5b-q4_0.gguf \
        --tiktoken /tmp/ds/dashscope/resources/qwen.tiktoken

The F16 file (3.1 GB) is written next to the output (``--keep-f16`` keeps it)
and quantized with ``llama_cpp.llama_model_quantize`` (ftype
LLAMA_FTYPE_MOSTLY_Q4_0). models/ is git-ignored: never commit these files.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

ARCH = "qwen2"
N_LAYER = 28
N_EMBD = 1536
N_FF = 8960
N_HEAD = 12
N_HEAD_KV = 2
HEAD_DIM = 128
N_VOCAB = 151_936
N_CTX_TRAIN = 32_768
ROPE_THETA = 1_000_000.0
RMS_EPS = 1e-6

# Qwen2.5's special tokens start at 151643; the rest of the 151,936 rows are padding.
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
            "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
            "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
            "<|repo_name|>", "<|file_sep|>"]
FIRST_SPECIAL = 151_643
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] "
          "+ '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
          "{% endif %}")

# Words given their own tokens (with and without GPT-2's leading-space marker), so that
# English prompts tokenize at a density closer to a real tokenizer than 2 chars/token.
COMMON_WORDS = """the a an of to and in on at for with from by is are be you your it this that as or not
build train send move attack stop harvest defend base enemy units unit all tank tanks infantry artillery
harvester harvesters helicopter power plant barracks refinery war factory turret defense north south east
west northeast northwest southeast southwest home ore nearest action actions type count target direction
place position ids json answer order orders player credits only one two three four five six seven eight
nine ten then go get make attack_move build_unit build_building launch_superweapon defend_base enemy_base
nearest_enemy power_plant war_factory defense_turret unit_type building_type superweapon system user
assistant translate translates text into list object objects example examples output input game strategy
advice analysis army economy more less than we they their should must can will have has was were if when
les des une un le la et de du vers au aux chars construis envoie attaque déplace caserne""".split()


def byte_level_alphabet() -> list[str]:
    """GPT-2's byte -> printable character table (what llama.cpp's BPE expects)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, (chr(c) for c in cs)))
    return [table[b] for b in range(256)]


def make_vocab() -> tuple[list[str], list[int], list[str]]:
    """151,936 unique tokens, their types and a consistent merge list."""
    alphabet = byte_level_alphabet()
    byte_of = {ch: bytes([i]) for i, ch in enumerate(alphabet)}
    tokens: list[str] = list(alphabet)
    seen = set(tokens)
    merges: list[str] = []

    def add(left: str, right: str) -> None:
        tok = left + right
        if tok not in seen and len(tokens) < FIRST_SPECIAL:
            seen.add(tok)
            tokens.append(tok)
            merges.append(f"{left} {right}")

    def enc(s: str) -> str:
        return "".join(alphabet[b] for b in s.encode("utf-8"))

    # Common words first (their merges get the best ranks), built left to right.
    for word in COMMON_WORDS:
        for form in (enc(word), enc(" " + word), enc(word.capitalize()), enc(" " + word.capitalize())):
            for i in range(2, len(form) + 1):
                if form[:i - 1] in seen and form[i - 1] in seen:
                    add(form[:i - 1], form[i - 1])
    # Then every pair of printable ASCII characters, then pairs of those with a third character.
    printable = [alphabet[b] for b in range(32, 127)]
    for a in printable:
        for b in printable:
            add(a, b)
    pairs = [t for t in tokens if len(t) == 2]
    for p in pairs:
        for c in printable:
            add(p, c)
            if len(tokens) >= FIRST_SPECIAL:
                break
        if len(tokens) >= FIRST_SPECIAL:
            break
    # Fill any remainder with 2-character non-ASCII byte pairs.
    i = 0
    while len(tokens) < FIRST_SPECIAL:
        a, b = alphabet[128 + (i // 128) % 128], alphabet[128 + i % 128]
        i += 1
        add(a, b)
        if i > 200_000:
            raise RuntimeError("could not fill the vocabulary")
    del byte_of
    types = [1] * len(tokens)  # NORMAL
    for s in SPECIALS:
        tokens.append(s)
        types.append(3)  # CONTROL
    n = 0
    while len(tokens) < N_VOCAB:
        tokens.append(f"<|extra_{n}|>")
        types.append(5)  # UNUSED
        n += 1
    assert len(tokens) == N_VOCAB and len(set(tokens)) == N_VOCAB
    return tokens, types, merges


class RandomPool:
    """Random float16 values, sliced at varying offsets: fast to produce, and no
    two tensors identical. Values ~ N(0, std)."""

    def __init__(self, size: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.data = (rng.standard_normal(size, dtype=np.float32)).astype(np.float16)
        self.rng = rng

    def take(self, shape: tuple[int, ...], std: float) -> np.ndarray:
        n = int(np.prod(shape))
        if n > self.data.size:
            reps = -(-n // self.data.size)
            flat = np.tile(self.data, reps)[:n]
        else:
            start = int(self.rng.integers(0, self.data.size - n + 1))
            flat = self.data[start:start + n]
        return (flat.astype(np.float32) * std).astype(np.float16).reshape(shape)


def vocab_from_tiktoken(path: Path) -> tuple[list[str], list[int], list[str]]:
    """Qwen's real BPE vocabulary (151,643 tokens, token id = rank) and its merges, from the
    ``qwen.tiktoken`` file Qwen ships (Qwen2/2.5 use the same vocabulary): prompts then tokenize
    to exactly as many tokens as with the production model. The merge of each multi-byte token
    is the last step of running BPE on its bytes with the merges ranked before it."""
    import base64

    ranks: dict[bytes, int] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        if line.strip():
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    if len(ranks) != FIRST_SPECIAL:
        raise ValueError(f"{path}: {len(ranks)} tokens, expected {FIRST_SPECIAL}")
    alphabet = byte_level_alphabet()

    def as_str(b: bytes) -> str:
        return "".join(alphabet[x] for x in b)

    def split(token: bytes, below: int) -> list[bytes]:
        parts = [bytes([x]) for x in token]
        while len(parts) > 1:
            best, at = None, -1
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < below and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            parts = parts[:at] + [parts[at] + parts[at + 1]] + parts[at + 2:]
        return parts

    by_rank = sorted(ranks.items(), key=lambda kv: kv[1])
    tokens = [as_str(b) for b, _ in by_rank]
    merges = []
    for b, r in by_rank:
        if len(b) > 1:
            left, right = split(b, r)
            merges.append(f"{as_str(left)} {as_str(right)}")
    types = [1] * len(tokens)
    for sp in SPECIALS:
        tokens.append(sp)
        types.append(3)
    n = 0
    while len(tokens) < N_VOCAB:
        tokens.append(f"<|extra_{n}|>")
        types.append(5)
        n += 1
    return tokens, types, merges


def write_f16(path: Path, seed: int = 0, tiktoken: Path | None = None) -> None:
    import gguf

    t0 = time.perf_counter()
    tokens, types, merges = vocab_from_tiktoken(tiktoken) if tiktoken else make_vocab()
    print(f"vocabulary: {len(tokens)} tokens, {len(merges)} merges ({time.perf_counter() - t0:.1f} s)")
    w = gguf.GGUFWriter(str(path), ARCH)
    w.add_name("qwen-like-1.5b (random weights, benchmark fixture)")
    w.add_context_length(N_CTX_TRAIN)
    w.add_embedding_length(N_EMBD)
    w.add_feed_forward_length(N_FF)
    w.add_block_count(N_LAYER)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(FIRST_SPECIAL)          # <|endoftext|>
    w.add_eos_token_id(FIRST_SPECIAL + 2)      # <|im_end|>
    w.add_pad_token_id(FIRST_SPECIAL)
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML)

    pool = RandomPool(48_000_000, seed)
    std = 0.02
    ones = np.ones(N_EMBD, dtype=np.float32)
    w.add_tensor("token_embd.weight", pool.take((N_VOCAB, N_EMBD), std))
    w.add_tensor("output_norm.weight", ones)
    kv = N_HEAD_KV * HEAD_DIM
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", ones)
        w.add_tensor(p + "attn_q.weight", pool.take((N_EMBD, N_EMBD), std))
        w.add_tensor(p + "attn_q.bias", np.zeros(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "attn_k.weight", pool.take((kv, N_EMBD), std))
        w.add_tensor(p + "attn_k.bias", np.zeros(kv, dtype=np.float32))
        w.add_tensor(p + "attn_v.weight", pool.take((kv, N_EMBD), std))
        w.add_tensor(p + "attn_v.bias", np.zeros(kv, dtype=np.float32))
        w.add_tensor(p + "attn_output.weight", pool.take((N_EMBD, N_EMBD), std))
        w.add_tensor(p + "ffn_norm.weight", ones)
        w.add_tensor(p + "ffn_gate.weight", pool.take((N_FF, N_EMBD), std))
        w.add_tensor(p + "ffn_up.weight", pool.take((N_FF, N_EMBD), std))
        w.add_tensor(p + "ffn_down.weight", pool.take((N_EMBD, N_FF), std))
    print(f"parameters: {w.get_total_parameter_count()[0]:,}")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file(progress=False)
    w.close()
    print(f"wrote {path} ({path.stat().st_size / 2**30:.2f} GiB) in {time.perf_counter() - t0:.1f} s")


def quantize(src: Path, dst: Path, threads: int) -> None:
    import llama_cpp

    t0 = time.perf_counter()
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
    params.nthread = threads
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize returned {rc}")
    print(f"quantized to {dst} ({dst.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s")


def check_loads(path: Path) -> None:
    import llama_cpp

    t0 = time.perf_counter()
    llm = llama_cpp.Llama(str(path), n_ctx=512, n_threads=1, verbose=False)
    toks = llm.tokenize(b"<|im_start|>user\nbuild a power plant<|im_end|>\n", special=True)
    print(f"loads in llama_cpp.Llama: {llm.n_vocab()} tokens, {len(toks)} prompt tokens, "
          f"chat template {'present' if llm.metadata.get('tokenizer.chat_template') else 'missing'}, "
          f"load {time.perf_counter() - t0:.1f} s")
    del llm


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "models" / "qwen-like-1.5b-q4_0.gguf"))
    ap.add_argument("--keep-f16", action="store_true")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="quantization threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tiktoken", default="", help="Qwen's qwen.tiktoken: the real vocabulary instead of "
                    "the synthetic one (prompts then have the production token counts)")
    args = ap.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    f16 = out.with_name(out.stem + ".f16.gguf")
    if not f16.exists():
        write_f16(f16, args.seed, Path(args.tiktoken) if args.tiktoken else None)
    quantize(f16, out, args.threads)
    if not args.keep_f16:
        f16.unlink()
    check_loads(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
