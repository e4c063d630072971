//! Deterministic, realistic web access logs for tests and benchmarks: a small web shop's
//! traffic from many clients (a Zipf-like skew, about one in ten on IPv6) with realistic
//! routes, statuses, sizes, referers and agents, times advancing steadily from a fixed start,
//! and, if asked, attacks planted at known places ([`Planted`]): a request flood, password
//! guessing on `/login` followed by a success, credential stuffing and password spraying,
//! scanners probing for secrets, SQL injection, a 429 storm, a burst of 5xx and bulk exports.
//!
//! Lines are nginx `combined` by default, or JSON lines as nginx `escape=json`, Caddy or
//! Traefik write them ([`Shape`]); the same seed gives the same traffic in every shape.
//! [`GenOptions::wide`] makes the traffic harder to count: many more distinct clients, a third
//! of them crawlers and scripts, and long tracking query strings on pages.
//!
//! The same options give the same bytes, everywhere: the generator has its own PRNG and
//! formats every number by hand. It writes about a gigabyte in a few seconds.
//!
//! ```
//! use firebreak_detect::generate::{GenOptions, Generator, Size};
//! let mut log = Vec::new();
//! let planted = Generator::new(GenOptions { size: Size::Lines(1000), ..GenOptions::default() })
//!     .write_to(&mut log)
//!     .expect("writing to memory");
//! assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 1000);
//! assert!(planted.flood.lines > 0);
//! ```

mod catalog;
mod clients;
mod json;
mod plant;
mod rng;
mod sink;
mod text;

use std::io::{self, Write};

pub use plant::{Planted, Window};

use catalog::{Catalog, Kind};
use clients::Clients;
use plant::Planter;
use rng::Rng;
use sink::{Line, Sink};

/// How much to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Exactly this many lines.
    Lines(u64),
    /// Whole lines until at least this many bytes.
    Bytes(u64),
}

/// How each line is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// nginx `combined`.
    #[default]
    Combined,
    /// nginx JSON lines (`log_format … escape=json`): flat, every value a string.
    NginxJson,
    /// Caddy's access log: the request nested, headers as lists, times and sizes as numbers.
    CaddyJson,
    /// Traefik's JSON access log: flat, sorted keys, kept headers as `request_…` keys.
    TraefikJson,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    /// The same seed gives the same log.
    pub seed: u64,
    /// How much to write.
    pub size: Size,
    /// Unix time of the first line.
    pub start: i64,
    /// Ordinary requests per second of log time (attacks come on top). Default 200.
    pub per_second: u32,
    /// Distinct ordinary clients. Default 50,000.
    pub clients: u32,
    /// Whether to plant attacks.
    pub plant: bool,
    /// How lines are written.
    pub shape: Shape,
    /// A third of the clients are crawlers and scripts (so bots come from many addresses),
    /// and most page requests carry a long tracking query string (`utm_*`, `gclid`, …).
    /// Give [`clients`](Self::clients) in the hundreds of thousands to go with it.
    pub wide: bool,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            seed: 1,
            size: Size::Lines(100_000),
            start: 1_740_787_200, // 2025-03-01T00:00:00Z
            per_second: 200,
            clients: 50_000,
            plant: true,
            shape: Shape::Combined,
            wide: false,
        }
    }
}

/// Bytes of an average line in each shape, to size attacks in runs sized in bytes.
fn average_line(shape: Shape) -> u64 {
    match shape {
        Shape::Combined => 240,
        Shape::NginxJson => 380,
        Shape::CaddyJson => 585,
        Shape::TraefikJson => 1130,
    }
}

/// Writes a log; see the [module documentation](self).
#[derive(Debug)]
pub struct Generator {
    options: GenOptions,
    rng: Rng,
    catalog: Catalog,
    clients: Clients,
    planter: Planter,
}

impl Generator {
    /// Prepares the clients and the attackers (the slow part for millions of clients).
    pub fn new(options: GenOptions) -> Generator {
        let mut rng = Rng::new(options.seed);
        let catalog = Catalog::new();
        let clients = Clients::new(options.clients as usize, options.wide, &mut rng, &catalog);
        let expected = match options.size {
            Size::Lines(lines) => lines,
            Size::Bytes(bytes) => bytes / average_line(options.shape),
        };
        let planter = Planter::new(&mut rng, expected, options.plant);
        Generator {
            options,
            rng,
            catalog,
            clients,
            planter,
        }
    }

    /// Writes the whole log to `out` and returns what was planted where.
    pub fn write_to(mut self, out: &mut dyn Write) -> io::Result<Planted> {
        let per_second = u64::from(self.options.per_second.max(1));
        let mut sink = Sink::new(self.options.size, self.options.shape);
        let mut path = Vec::with_capacity(128);
        let mut referer = Vec::with_capacity(128);
        let mut ordinary = 0u64;
        while sink.more() {
            let time = self.options.start + (ordinary / per_second) as i64;
            path.clear();
            referer.clear();
            let client = self.clients.visitor(&mut self.rng);
            let (agent, visitor) = self.catalog.agent(self.clients.agent(client));
            let mut request = self.catalog.request(
                &mut self.rng,
                visitor,
                self.options.wide,
                &mut path,
                &mut referer,
            );
            let failing = self.planter.failing()
                && matches!(
                    request.kind,
                    Kind::Page | Kind::Api | Kind::ApiWrite | Kind::Login
                )
                && self.rng.chance(400);
            if failing {
                request.status = [502, 503, 504]
                    .get(self.rng.below(3) as usize)
                    .copied()
                    .unwrap_or(502);
                request.size = self.rng.between(157, 600);
            }
            let line = Line {
                addr: self.clients.addr(client),
                user: b"-",
                method: request.method,
                path: &path,
                protocol: self.clients.protocol(client),
                status: request.status,
                size: request.size,
                referer: &referer,
                agent,
            };
            let number = sink.line(time, &line, out)?;
            if failing {
                self.planter.record_error(number, time);
            }
            ordinary += 1;
            self.planter
                .after_ordinary(ordinary, time, &mut self.rng, &mut sink, out)?;
        }
        sink.flush(out)?;
        out.flush()?;
        Ok(self.planter.planted)
    }
}
