//! The generator's own randomness: xoshiro256** seeded through splitmix64, so the same seed
//! gives the same bytes on every machine and every version of every dependency.

/// A small, fast, deterministic pseudo-random generator.
#[derive(Debug, Clone)]
pub(super) struct Rng {
    state: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            state: [next(), next(), next(), next()],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let [a, b, c, d] = &mut self.state;
        let result = b.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *b << 17;
        *c ^= *a;
        *d ^= *b;
        *b ^= *c;
        *a ^= *d;
        *c ^= t;
        *d = d.rotate_left(45);
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One of `items`, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// Sampling indexes by weight: a cumulative table searched by bisection.
#[derive(Debug, Clone)]
pub(super) struct Weighted {
    /// Cumulative weights scaled to 2^32; the last is 2^32.
    cumulative: Vec<u64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let weights: Vec<f64> = weights.into_iter().map(|w| w.max(0.0)).collect();
        let total: f64 = weights.iter().sum();
        let scale = (1u64 << 32) as f64 / if total > 0.0 { total } else { 1.0 };
        let mut sum = 0.0;
        let mut cumulative: Vec<u64> = weights
            .iter()
            .map(|w| {
                sum += w;
                (sum * scale) as u64
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1 << 32;
        }
        Weighted { cumulative }
    }

    /// Zipf–Mandelbrot weights for `n` ranks: rank `i` weighs `1 / (i + offset)^exponent`.
    pub fn zipf(n: usize, exponent: f64, offset: f64) -> Weighted {
        Weighted::new((0..n).map(|i| (i as f64 + offset).powf(-exponent)))
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let r = rng.next_u64() >> 32;
        let at = self.cumulative.partition_point(|&c| c <= r);
        at.min(self.cumulative.len().saturating_sub(1))
    }
}
