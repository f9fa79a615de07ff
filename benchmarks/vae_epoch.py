"""A whole training epoch under one jit: the variational autoencoder of JAX's
``examples/mnist_vae.py``, funcdl beside JAX (when installed), the same program, 1 thread.

The model: an encoder 784-512-512-(10, 10) (ReLU; the mean, and the variance through a
softplus) and a decoder 10-512-512-784 (Bernoulli logits). ``epoch(params, opt_state, key,
images)`` is jitted whole: a ``lax.fori_loop`` over the batches of 32 images, each sliced
out of the full array at the loop's traced offset with ``lax.dynamic_slice_in_dim``,
binarized at random, and one step of SGD with momentum (0.9, step 0.001) on the negative
Monte Carlo ELBO per image. ``evaluate`` gives the test ELBO and a 10x10 grid of sampled
images. Data: the bundled MNIST subset (``funcdl.data.mnist``), its 4,000 training images
shuffled once, its 1,000 test images.

Each contender runs in a new process (funcdl with an empty compile cache): the first
epoch (trace + compile + run), then the median of the later epochs; the same for
``evaluate``. JAX runs with XLA's CPU thread pool off (one thread, as BLAS and numba).
funcdl compiles with its default configuration (outlined kernels); ``funcdl-whole`` is
the program as one numba function.

    python -m benchmarks vae_epoch                  # 4,000 images, 5 later epochs
    python -m benchmarks.vae_epoch --quick          # 640 images, 2 later epochs
    python -m benchmarks.vae_epoch --images 1024 --epochs 2 --contenders funcdl
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 32
LATENT = 10
STEP_SIZE, MOMENTUM = 0.001, 0.9
GRID = (10, 10)  # sampled images, rows x columns
JAX_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

# ----------------------------------------------------------------------------------------
# The program, written once over a backend (numpy module, lax, random, grad, optimizer)
# ----------------------------------------------------------------------------------------


def funcdl_backend():
    import funcdl as fd
    import funcdl.numpy as fnp
    from funcdl import lax, optim, random
    return types.SimpleNamespace(np=fnp, lax=lax, random=random, grad=fd.grad, jit=fd.jit,
                                 sgd=optim.sgd, apply_updates=optim.apply_updates,
                                 ready=lambda x: x, to_device=lambda t: t)


def jax_backend():
    import jax
    jax.config.update("jax_platform_name", "cpu")
    import jax.numpy as jnp
    import optax
    return types.SimpleNamespace(np=jnp, lax=jax.lax, random=jax.random, grad=jax.grad,
                                 jit=jax.jit, sgd=optax.sgd, apply_updates=optax.apply_updates,
                                 ready=jax.block_until_ready,
                                 to_device=lambda t: jax.tree_util.tree_map(jnp.asarray, t))


def make_program(B):
    """``(epoch, evaluate, optimizer)`` for backend ``B`` (jitted)."""
    xp = B.np

    def dense(layer, x):
        w, b = layer
        return x @ w + b

    def relu(x):
        return xp.maximum(x, 0.0)

    def softplus(x):
        return xp.logaddexp(0.0, x)

    def encode(enc, x):
        h = relu(dense(enc[1], relu(dense(enc[0], x))))
        return dense(enc[2], h), softplus(dense(enc[3], h))  # mean, variance

    def decode(dec, z):
        return dense(dec[2], relu(dense(dec[1], relu(dense(dec[0], z)))))  # logits

    def elbo(key, params, images):
        """A one-sample Monte Carlo estimate of the ELBO, summed over ``images`` (0/1)."""
        enc, dec = params
        mu, var = encode(enc, images)
        z = mu + xp.sqrt(var) * B.random.normal(key, mu.shape)
        logits = decode(dec, z)
        log_px = -xp.sum(softplus((1.0 - 2.0 * images) * logits))  # Bernoulli log-likelihood
        kl = -0.5 * xp.sum(1.0 + xp.log(var) - mu ** 2 - var)  # KL(q(z|x) || N(0, I))
        return log_px - kl

    def binarize(key, images):
        return B.random.bernoulli(key, images).astype(xp.float32)

    optimizer = B.sgd(STEP_SIZE, momentum=MOMENTUM)

    def epoch(params, opt_state, key, images):
        def body(i, carry):
            params, opt_state, key = carry
            key, elbo_key, data_key = B.random.split(key, 3)
            batch = binarize(data_key, B.lax.dynamic_slice_in_dim(images, i * BATCH, BATCH))
            grads = B.grad(lambda p: -elbo(elbo_key, p, batch) / BATCH)(params)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return B.apply_updates(params, updates), opt_state, key
        params, opt_state, _ = B.lax.fori_loop(0, images.shape[0] // BATCH, body,
                                               (params, opt_state, key))
        return params, opt_state

    def evaluate(params, key, images):
        elbo_key, data_key, code_key, image_key = B.random.split(key, 4)
        test_elbo = elbo(elbo_key, params, binarize(data_key, images)) / images.shape[0]
        rows, cols = GRID
        logits = decode(params[1], B.random.normal(code_key, (rows * cols, LATENT)))
        pixels = B.random.bernoulli(image_key, 1.0 / (1.0 + xp.exp(-logits)))
        grid = xp.transpose(xp.reshape(pixels, (rows, cols, 28, 28)), (0, 2, 1, 3))
        return test_elbo, xp.reshape(grid, (rows * 28, cols * 28))

    return B.jit(epoch), B.jit(evaluate), optimizer


def init_params(seed=0):
    """Glorot-normal weights, small normal biases (stax's Dense), float32."""
    rng = np.random.default_rng(seed)

    def layer(n_in, n_out):
        w = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        return w.astype(np.float32), (rng.standard_normal(n_out) * 1e-2).astype(np.float32)
    enc = [layer(784, 512), layer(512, 512), layer(512, LATENT), layer(512, LATENT)]
    dec = [layer(LATENT, 512), layer(512, 512), layer(512, 784)]
    return enc, dec


def load_images(n_train, n_test, seed=0):
    """The first ``n_train`` of the bundled training images (shuffled once) and ``n_test``
    test images, flattened, float32 in [0, 1]."""
    from funcdl import data
    (train, _), (test, _) = data.mnist()
    train = train[np.random.default_rng(seed).permutation(len(train))]
    return train[:n_train].reshape(n_train, -1), test[:n_test].reshape(n_test, -1)


# ----------------------------------------------------------------------------------------
# Measuring (one contender per process)
# ----------------------------------------------------------------------------------------


def measure(contender, n_train, n_test, epochs):
    """Seconds of the first and later epochs and evaluations, and the test ELBOs."""
    B = jax_backend() if contender == "jax" else funcdl_backend()
    if contender == "funcdl-whole":  # the program as one numba function, not outlined
        import funcdl as fd
        fd.config.update("jit_outline", False)
    train, test = load_images(n_train, n_test)
    train, test = B.to_device(train), B.to_device(test)
    params = B.to_device(init_params())
    epoch, evaluate, optimizer = make_program(B)
    opt_state = optimizer.init(params)
    keys = B.random.split(B.random.PRNGKey(0), epochs + 1)
    test_key = B.random.PRNGKey(1)

    def timed(fn, *args):
        start = time.perf_counter()
        out = B.ready(fn(*args))
        return out, time.perf_counter() - start

    res = {"epoch": [], "evaluate": [], "elbo": []}
    for k in range(epochs + 1):
        (params, opt_state), t = timed(epoch, params, opt_state, keys[k], train)
        res["epoch"].append(t)
        (test_elbo, grid), t = timed(evaluate, params, test_key, test)
        res["evaluate"].append(t)
        res["elbo"].append(float(test_elbo))
    grid = np.asarray(grid)
    if grid.shape != (GRID[0] * 28, GRID[1] * 28) or not np.all(np.isfinite(res["elbo"])):
        raise RuntimeError(f"{contender}: bad results {res['elbo']}, grid {grid.shape}")
    res["image_mean"] = float(grid.mean())
    return res


def run_child(contender, args):
    """``measure`` in a new process: funcdl with an empty compile cache, JAX single-threaded."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FUNCDL_CACHE_DIR=cache, PYTHONPATH=ROOT)
        if contender == "jax":
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " " + JAX_FLAGS).strip()
        cmd = [sys.executable, "-m", "benchmarks.vae_epoch", "--child", contender,
               "--images", str(args.images), "--test-images", str(args.test_images),
               "--epochs", str(args.epochs)]
        out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{contender} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _have_jax():
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError:
        return False
    return True


def report(results, args):
    names = list(results)
    ratios = [n for n in names if n != "jax"] if "jax" in names else []
    lines = [f"VAE epoch under jit: {args.images} training images ({args.images // BATCH} batches "
             f"of {BATCH}) in one lax.fori_loop, {args.test_images} test images; new process per "
             f"contender (funcdl: empty compile cache), 1 thread; seconds",
             "| | " + " | ".join(names + [f"{n}/jax" for n in ratios]) + " |",
             "|---|" + "---|" * (len(names) + len(ratios))]

    def row(label, pick):
        values = {n: pick(r) for n, r in results.items()}
        cells = [f"{values[n]:.3f}" for n in names] + [f"{values[n] / values['jax']:.2f}" for n in ratios]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    row("first epoch (trace + compile + run)", lambda r: r["epoch"][0])
    row(f"later epochs (median of {args.epochs})", lambda r: statistics.median(r["epoch"][1:]))
    row("first evaluate (test ELBO + samples)", lambda r: r["evaluate"][0])
    row("later evaluate (median)", lambda r: statistics.median(r["evaluate"][1:]))
    lines.append("test ELBO per image after each epoch: " + "; ".join(
        f"{n} " + ", ".join(f"{e:.1f}" for e in r["elbo"]) for n, r in results.items()))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks vae_epoch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=4000, help="training images (default 4000)")
    parser.add_argument("--test-images", type=int, default=1000, help="test images (default 1000)")
    parser.add_argument("--epochs", type=int, default=5, help="later epochs timed (default 5)")
    parser.add_argument("--quick", action="store_true", help="640 images, 200 test images, 2 later epochs")
    parser.add_argument("--contenders", default="funcdl,jax",
                        help="comma-separated, of funcdl, funcdl-whole (one numba function, config "
                             "jit_outline off) and jax (default funcdl,jax)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # measure in this process
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.test_images, args.epochs = 640, 200, 2
    if args.images < BATCH or not 1 <= args.test_images <= 1000 or args.epochs < 1:
        parser.error(f"need --images >= {BATCH}, 1 <= --test-images <= 1000, --epochs >= 1")
    args.images -= args.images % BATCH
    if args.child:
        print(json.dumps(measure(args.child, args.images, args.test_images, args.epochs)))
        return 0
    results = {}
    for contender in args.contenders.split(","):
        if contender == "jax" and not _have_jax():
            print("(jax or optax is not importable here: funcdl only)")
            continue
        results[contender] = run_child(contender, args)
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
