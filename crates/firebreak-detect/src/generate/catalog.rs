//! What an ordinary day on a small web shop looks like: the routes requested and how often,
//! the statuses and sizes they answer with, the browsers, crawlers and scripts that ask, and
//! where visitors come from.

use super::rng::{Rng, Weighted};
use super::text::push_number;

/// The site's own address, for internal referers.
pub(super) const SITE: &[u8] = b"https://shop.example.com";

/// Words for categories, searches and slugs.
pub(super) const WORDS: &[&[u8]] = &[
    b"shoes", b"jackets", b"lamps", b"kettle", b"garden", b"books", b"toys", b"bikes", b"coffee",
    b"tea", b"desk", b"chair", b"socks", b"scarf", b"watch", b"camera", b"phone", b"cables",
    b"paint", b"tools", b"tents", b"rugs", b"mugs", b"plates",
];

/// What kind of resource a route serves: decides status and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Page,
    Static,
    Image,
    Api,
    ApiWrite,
    Login,
    Export,
    Robots,
    Gone,
}

/// How a route's path ends.
#[derive(Debug, Clone, Copy)]
enum Tail {
    Fixed,
    Number(u64),
    Word,
    WordNumber(u64),
}

struct Route {
    weight: f64,
    method: &'static [u8],
    prefix: &'static [u8],
    tail: Tail,
    suffix: &'static [u8],
    kind: Kind,
}

const fn route(
    weight: f64,
    method: &'static [u8],
    prefix: &'static [u8],
    tail: Tail,
    suffix: &'static [u8],
    kind: Kind,
) -> Route {
    Route {
        weight,
        method,
        prefix,
        tail,
        suffix,
        kind,
    }
}

const ROUTES: &[Route] = &[
    route(8.0, b"GET", b"/", Tail::Fixed, b"", Kind::Page),
    route(
        10.0,
        b"GET",
        b"/products/",
        Tail::Number(5000),
        b"",
        Kind::Page,
    ),
    route(5.0, b"GET", b"/category/", Tail::Word, b"", Kind::Page),
    route(
        3.0,
        b"GET",
        b"/blog/",
        Tail::WordNumber(300),
        b"",
        Kind::Page,
    ),
    route(3.0, b"GET", b"/search?q=", Tail::Word, b"", Kind::Page),
    route(2.0, b"GET", b"/cart", Tail::Fixed, b"", Kind::Page),
    route(1.0, b"GET", b"/about", Tail::Fixed, b"", Kind::Page),
    route(1.0, b"GET", b"/login", Tail::Fixed, b"", Kind::Page),
    route(1.0, b"GET", b"/account", Tail::Fixed, b"", Kind::Page),
    route(
        8.0,
        b"GET",
        b"/static/css/app.3f9a1c.css",
        Tail::Fixed,
        b"",
        Kind::Static,
    ),
    route(
        8.0,
        b"GET",
        b"/static/js/app.8e12b4.js",
        Tail::Fixed,
        b"",
        Kind::Static,
    ),
    route(
        6.0,
        b"GET",
        b"/static/js/vendor.c41d07.js",
        Tail::Fixed,
        b"",
        Kind::Static,
    ),
    route(
        3.0,
        b"GET",
        b"/static/fonts/inter-var.woff2",
        Tail::Fixed,
        b"",
        Kind::Static,
    ),
    route(
        14.0,
        b"GET",
        b"/images/products/",
        Tail::Number(5000),
        b".jpg",
        Kind::Image,
    ),
    route(
        4.0,
        b"GET",
        b"/images/logo.svg",
        Tail::Fixed,
        b"",
        Kind::Image,
    ),
    route(3.0, b"GET", b"/favicon.ico", Tail::Fixed, b"", Kind::Image),
    route(
        5.0,
        b"GET",
        b"/api/v1/items?page=",
        Tail::Number(50),
        b"",
        Kind::Api,
    ),
    route(
        5.0,
        b"GET",
        b"/api/v1/items/",
        Tail::Number(5000),
        b"",
        Kind::Api,
    ),
    route(3.0, b"GET", b"/api/v1/cart", Tail::Fixed, b"", Kind::Api),
    route(
        1.0,
        b"POST",
        b"/api/v1/cart",
        Tail::Fixed,
        b"",
        Kind::ApiWrite,
    ),
    route(
        3.0,
        b"POST",
        b"/api/v1/events",
        Tail::Fixed,
        b"",
        Kind::ApiWrite,
    ),
    route(0.6, b"POST", b"/login", Tail::Fixed, b"", Kind::Login),
    route(
        0.05,
        b"GET",
        b"/api/export?format=csv&table=orders",
        Tail::Fixed,
        b"",
        Kind::Export,
    ),
    route(0.3, b"GET", b"/robots.txt", Tail::Fixed, b"", Kind::Robots),
    route(0.2, b"GET", b"/sitemap.xml", Tail::Fixed, b"", Kind::Robots),
    route(0.8, b"GET", b"/old/", Tail::Word, b".html", Kind::Gone),
];

/// Who asks: browsers mostly, a few crawlers and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Visitor {
    Browser,
    Crawler,
    Script,
}

const AGENTS: &[(f64, Visitor, &[u8])] = &[
    (22.0, Visitor::Browser, b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
    (9.0, Visitor::Browser, b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"),
    (7.0, Visitor::Browser, b"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (10.0, Visitor::Browser, b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"),
    (6.0, Visitor::Browser, b"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
    (2.0, Visitor::Browser, b"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (2.0, Visitor::Browser, b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36"),
    (14.0, Visitor::Browser, b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"),
    (12.0, Visitor::Browser, b"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"),
    (5.0, Visitor::Browser, b"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Mobile Safari/537.36"),
    (2.0, Visitor::Browser, b"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
    (1.5, Visitor::Crawler, b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (0.8, Visitor::Crawler, b"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    (0.5, Visitor::Crawler, b"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    (0.4, Visitor::Crawler, b"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (0.6, Visitor::Script, b"curl/8.5.0"),
    (0.6, Visitor::Script, b"python-requests/2.31.0"),
    (0.3, Visitor::Script, b"Go-http-client/1.1"),
];

const SEARCH_ENGINES: &[&[u8]] = &[
    b"https://www.google.com/",
    b"https://www.bing.com/",
    b"https://duckduckgo.com/",
];

/// Campaign tags for tracking query strings.
const CAMPAIGNS: &[&[u8]] = &[
    b"spring_sale",
    b"newsletter_2025_03",
    b"retargeting_lookalike",
    b"brand_search",
    b"black_friday_early_access",
    b"influencer_q1",
];

/// Characters of click identifiers (`gclid`, `fbclid`), as ad networks write them.
const CLICK_ID: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The weighted tables, built once.
#[derive(Debug, Clone)]
pub(super) struct Catalog {
    routes: Weighted,
    agents: Weighted,
    /// Indexes of the crawler and script agents in `AGENTS`.
    bots: Vec<u8>,
}

/// One ordinary request, with its path and referer written into scratch buffers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub method: &'static [u8],
    pub kind: Kind,
    pub status: u16,
    pub size: u64,
}

impl Catalog {
    pub fn new() -> Catalog {
        Catalog {
            routes: Weighted::new(ROUTES.iter().map(|r| r.weight)),
            agents: Weighted::new(AGENTS.iter().map(|a| a.0)),
            bots: (0..AGENTS.len())
                .filter(|&i| AGENTS.get(i).is_some_and(|a| a.1 != Visitor::Browser))
                .filter_map(|i| u8::try_from(i).ok())
                .collect(),
        }
    }

    /// A crawler or script agent for a new client, uniformly: its index.
    pub fn bot_for_client(&self, rng: &mut Rng) -> u8 {
        rng.pick(&self.bots).copied().unwrap_or(0)
    }

    /// An agent for a new client: its index.
    pub fn agent_for_client(&self, rng: &mut Rng) -> u8 {
        self.agents.sample(rng) as u8
    }

    pub fn agent(&self, index: u8) -> (&'static [u8], Visitor) {
        AGENTS
            .get(usize::from(index))
            .map_or((b"-".as_slice(), Visitor::Browser), |a| (a.2, a.1))
    }

    /// An ordinary request: path into `path`, referer into `referer`; with `wide`, most
    /// page requests carry a long tracking query.
    pub fn request(
        &self,
        rng: &mut Rng,
        visitor: Visitor,
        wide: bool,
        path: &mut Vec<u8>,
        referer: &mut Vec<u8>,
    ) -> Request {
        let Some(route) = ROUTES.get(self.routes.sample(rng)) else {
            path.extend_from_slice(b"/");
            referer.push(b'-');
            return Request {
                method: b"GET",
                kind: Kind::Page,
                status: 200,
                size: 612,
            };
        };
        write_path(rng, route, path);
        if wide && route.kind == Kind::Page && rng.chance(700) {
            write_tracking(rng, path);
        }
        let status = status(rng, route.kind);
        let size = size(rng, route.kind, status);
        write_referer(rng, route.kind, visitor, referer);
        Request {
            method: route.method,
            kind: route.kind,
            status,
            size,
        }
    }
}

fn write_path(rng: &mut Rng, route: &Route, path: &mut Vec<u8>) {
    path.extend_from_slice(route.prefix);
    match route.tail {
        Tail::Fixed => {}
        Tail::Number(max) => push_number(path, rng.between(1, max)),
        Tail::Word => path.extend_from_slice(rng.pick(WORDS).copied().unwrap_or(b"x")),
        Tail::WordNumber(max) => {
            path.extend_from_slice(rng.pick(WORDS).copied().unwrap_or(b"x"));
            path.push(b'-');
            push_number(path, rng.between(1, max));
        }
    }
    path.extend_from_slice(route.suffix);
}

/// Appends a query string as ad campaigns leave them: `utm_*` tags, a click id of 60 to 160
/// characters and a session id, after `?` (or `&` when the path has a query already).
fn write_tracking(rng: &mut Rng, path: &mut Vec<u8>) {
    path.push(if path.contains(&b'?') { b'&' } else { b'?' });
    path.extend_from_slice(b"utm_source=");
    path.extend_from_slice(if rng.chance(500) {
        b"google"
    } else {
        b"facebook"
    });
    path.extend_from_slice(b"&utm_medium=cpc&utm_campaign=");
    path.extend_from_slice(rng.pick(CAMPAIGNS).copied().unwrap_or(b"x"));
    path.extend_from_slice(b"&utm_content=");
    path.extend_from_slice(rng.pick(WORDS).copied().unwrap_or(b"x"));
    path.push(b'_');
    push_number(path, rng.between(1, 99_999));
    path.extend_from_slice(if rng.chance(500) {
        b"&gclid="
    } else {
        b"&fbclid="
    });
    for _ in 0..rng.between(60, 160) {
        path.push(rng.pick(CLICK_ID).copied().unwrap_or(b'x'));
    }
    path.extend_from_slice(b"&sid=");
    push_number(path, rng.next_u64());
}

/// Per ten thousand: (threshold, status) checked in order; the rest is 200.
fn status(rng: &mut Rng, kind: Kind) -> u16 {
    let table: &[(u64, u16)] = match kind {
        Kind::Page => &[(150, 304), (200, 302), (300, 404), (305, 500)],
        Kind::Static => &[(3000, 304), (3010, 404)],
        Kind::Image => &[(2500, 304), (2600, 404)],
        Kind::Api => &[(20, 400), (60, 404), (64, 500), (66, 429)],
        Kind::ApiWrite => &[(30, 400), (35, 500), (8000, 201), (10_000, 204)],
        Kind::Login => &[(500, 401), (10_000, 302)],
        Kind::Export => &[],
        Kind::Robots => &[(500, 304)],
        Kind::Gone => &[(10_000, 404)],
    };
    let roll = rng.below(10_000);
    table
        .iter()
        .find(|(below, _)| roll < *below)
        .map_or(200, |&(_, status)| status)
}

fn size(rng: &mut Rng, kind: Kind, status: u16) -> u64 {
    match (status, kind) {
        (304 | 204, _) => 0,
        (301 | 302, _) => rng.between(145, 170),
        (400..=499, Kind::Api | Kind::ApiWrite | Kind::Login) => rng.between(40, 120),
        (400..=499, _) => rng.between(150, 560),
        (500..=599, _) => rng.between(157, 600),
        (_, Kind::Page) => rng.between(3_000, 42_000),
        (_, Kind::Static) => rng.between(8_000, 260_000),
        (_, Kind::Image) => rng.between(1_500, 320_000),
        (_, Kind::Api) => rng.between(80, 4_800),
        (_, Kind::ApiWrite) => rng.between(20, 300),
        (_, Kind::Export) => rng.between(20_000, 900_000),
        (_, Kind::Robots) => rng.between(60, 9_000),
        (_, Kind::Login | Kind::Gone) => rng.between(150, 600),
    }
}

fn write_referer(rng: &mut Rng, kind: Kind, visitor: Visitor, referer: &mut Vec<u8>) {
    if visitor != Visitor::Browser {
        referer.push(b'-');
        return;
    }
    let roll = rng.below(100);
    match kind {
        Kind::Page | Kind::Gone if roll < 45 => referer.push(b'-'),
        Kind::Page | Kind::Gone if roll < 65 => {
            referer.extend_from_slice(rng.pick(SEARCH_ENGINES).copied().unwrap_or(b"-"));
        }
        Kind::Robots | Kind::Export => referer.push(b'-'),
        Kind::Login => {
            referer.extend_from_slice(SITE);
            referer.extend_from_slice(b"/login");
        }
        _ if roll < 70 => {
            referer.extend_from_slice(SITE);
            referer.extend_from_slice(b"/products/");
            push_number(referer, rng.between(1, 5000));
        }
        _ => {
            referer.extend_from_slice(SITE);
            referer.push(b'/');
        }
    }
}
