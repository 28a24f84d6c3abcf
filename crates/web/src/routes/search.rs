//! Full-text search over the library (`/search`, `/api/v1/search`), suggestions while
//! typing (`/search/suggest`) and related achievements. What a searcher may find
//! follows the policy: the public sees published entries and matches on their public
//! text; verified enterprises and the exchange also match on the protected technical
//! text; stewards may search everything of their unit in any state ("manage").

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use ztc_domain::achievement::Status;
use ztc_domain::{Action, Resource, Role};
use ztc_search::{Filters, Results, Scope, Sort};

use super::library::Labels;
use crate::AppState;
use crate::ctx::Req;
use crate::error::Failure;
use crate::forms;
use crate::view::Page;

/// Results per page on the search page.
const PER_PAGE: u32 = 20;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[serde(default)]
pub struct SearchParams {
    /// Words, Chinese or Latin, e.g. `锂电池 BMS`. Empty lists the newest entries.
    pub q: String,
    /// Industry code (1–9).
    pub field: String,
    /// Sub-field code, e.g. `1.5`.
    pub subfield: String,
    /// Programme unit code.
    pub unit: String,
    /// Lowest readiness level (1–9).
    pub trl: String,
    /// Cooperation mode code.
    pub mode: String,
    /// IP type code.
    pub ip: String,
    /// Lifecycle status (only when managing).
    pub status: String,
    /// `relevance` (default), `newest` or `trl`.
    pub sort: String,
    /// `1`: search every state of one's own unit (stewards only).
    pub manage: String,
    /// `achievement` (default) or `demand` (published technology demands).
    pub kind: String,
    pub page: Option<u32>,
    /// 1–100 (API), default 20.
    pub per_page: Option<u32>,
}

/// Who searches, and so what they may find.
struct Scoped {
    scope: Scope,
    /// The unit a steward's "manage" search is limited to.
    unit: Option<String>,
}

fn scoped(req: &Req, manage: bool) -> Scoped {
    let Some(m) = req.member() else {
        return Scoped {
            scope: Scope::Public,
            unit: None,
        };
    };
    let steward = matches!(
        m.user.role,
        Role::NationalAdmin | Role::ProvincialAdmin | Role::Agency
    );
    if manage
        && steward
        && req.can(
            Action::ReviewAchievement,
            &Resource::Achievement {
                unit_code: m.unit_code.clone(),
                org_id: String::new(),
                owner_id: None,
                status: Status::Submitted,
            },
        )
    {
        return Scoped {
            scope: Scope::Admin,
            unit: (m.user.role != Role::NationalAdmin).then(|| m.unit_code.clone()),
        };
    }
    // The protected text of any unit's published entries (enterprises, the exchange).
    let anywhere = Resource::Achievement {
        unit_code: "--".into(),
        org_id: String::new(),
        owner_id: None,
        status: Status::Published,
    };
    Scoped {
        scope: if req.can(Action::ViewProtected, &anywhere) {
            Scope::Protected
        } else {
            Scope::Public
        },
        unit: None,
    }
}

fn clip(s: &str, n: usize) -> Option<String> {
    let s: String = s.trim().chars().take(n).collect();
    (!s.is_empty()).then_some(s)
}

async fn run(
    state: &AppState,
    req: &Req,
    p: &SearchParams,
    per_page: u32,
) -> Result<(Results, Scoped), Failure> {
    let demands = p.kind == "demand";
    // Demands are searched as the public sees them: those kept for matching only
    // never show up in a search.
    let mut scoped = scoped(req, p.manage == "1" && !demands);
    if demands {
        scoped.scope = Scope::Public;
        scoped.unit = None;
    }
    let filters = Filters {
        kind: Some(if demands {
            ztc_search::Kind::Demand
        } else {
            ztc_search::Kind::Achievement
        }),
        field: clip(&p.field, 10),
        subfield: clip(&p.subfield, 10),
        region: scoped.unit.clone().or_else(|| clip(&p.unit, 10)),
        trl_min: p.trl.trim().parse().ok().filter(|t| (1..=9).contains(t)),
        trl: None,
        cooperation_mode: clip(&p.mode, 40),
        ip_type: clip(&p.ip, 40),
        status: (scoped.scope == Scope::Admin)
            .then(|| clip(&p.status, 20))
            .flatten(),
    };
    let query = ztc_search::Query {
        text: p.q.clone(),
        scope: scoped.scope,
        filters,
        sort: match p.sort.as_str() {
            "newest" => Sort::Newest,
            "trl" => Sort::Trl,
            _ => Sort::Relevance,
        },
        page: p.page.unwrap_or(1).max(1),
        per_page,
    };
    let results = on_index(state, move |index| index.search(&query))
        .await?
        .map_err(Failure::internal)?;
    Ok((results, scoped))
}

/// Runs `f` on the index on a blocking thread, in turn with the other
/// searches (see [`AppState::searches`]).
pub async fn on_index<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&ztc_search::Index) -> T + Send + 'static,
) -> Result<T, Failure> {
    let _turn = state.searches.acquire().await.map_err(Failure::internal)?;
    let index = state.search.clone();
    tokio::task::spawn_blocking(move || f(&index))
        .await
        .map_err(Failure::internal)
}

// ---- the page ----------------------------------------------------------------------------

pub struct HitView {
    pub id: String,
    /// The entry's page.
    pub href: String,
    /// HTML from the index: escaped text, matches in `<mark>`.
    pub title_html: String,
    pub snippet_html: String,
    pub meta: String,
    pub status: String,
    pub keywords: Vec<String>,
}

/// One facet value: its label, count, the link that applies (or removes) it.
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub links: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Page,
    p: SearchParams,
    hits: Vec<HitView>,
    total: u64,
    facets: Vec<FacetGroup>,
    sorts: Vec<(String, String, bool)>,
    pager: forms::Pager,
    /// Active filters with the link that removes each.
    chips: Vec<(String, String)>,
    /// When nothing matches: other words to try.
    tips: Vec<(String, String)>,
    manage: bool,
    can_manage: bool,
}

impl SearchPage {
    /// The same words searched over the other kind of entry (filters dropped: the
    /// two kinds facet differently).
    fn kind_link(&self, kind: &str) -> String {
        forms::query("/search", &[("q", self.p.q.as_str()), ("kind", kind)])
    }
}

/// The query string of `p` with `key` set to `value` (empty removes it); the page
/// goes back to 1.
fn link(p: &SearchParams, key: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, String)> = vec![
        ("q", p.q.clone()),
        ("field", p.field.clone()),
        ("subfield", p.subfield.clone()),
        ("unit", p.unit.clone()),
        ("trl", p.trl.clone()),
        ("mode", p.mode.clone()),
        ("ip", p.ip.clone()),
        ("status", p.status.clone()),
        ("sort", p.sort.clone()),
        ("manage", p.manage.clone()),
        ("kind", p.kind.clone()),
    ];
    for (k, v) in pairs.iter_mut() {
        if *k == key {
            *v = value.to_owned();
        }
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    forms::query("/search", &refs)
}

fn unit_name(state: &AppState, req: &Req, code: &str) -> String {
    state
        .vocab
        .units
        .iter()
        .find(|u| u.code == code)
        .map(|u| {
            if req.lang.is_en() {
                u.name_en.clone()
            } else {
                u.name.clone()
            }
        })
        .unwrap_or_else(|| code.to_owned())
}

pub async fn page(
    State(state): State<AppState>,
    req: Req,
    Query(mut p): Query<SearchParams>,
) -> Result<Response, Failure> {
    p.q = p.q.chars().take(ztc_search::MAX_QUERY_CHARS * 5).collect();
    let (r, scoped) = run(&state, &req, &p, PER_PAGE).await?;
    let l = Labels::new(&state, req.lang);
    let manage = scoped.scope == Scope::Admin;
    let can_manage = manage || scoped_can_manage(&req);
    let hits = r
        .hits
        .iter()
        .map(|h| {
            let mut meta = vec![l.of("fields", &h.subfield)];
            if h.trl > 0 {
                meta.push(format!("TRL {}", h.trl));
            }
            meta.push(h.holder_org.clone());
            meta.push(unit_name(&state, &req, &h.region));
            HitView {
                href: match h.kind {
                    ztc_search::Kind::Demand => format!("/demands/{}", h.id),
                    ztc_search::Kind::Achievement => format!("/achievements/{}", h.id),
                },
                id: h.id.clone(),
                title_html: h.title_html.clone(),
                snippet_html: h.snippet_html.clone(),
                meta: meta
                    .into_iter()
                    .filter(|m| !m.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                status: if manage {
                    Status::parse(&h.status)
                        .map(|s| s.label(req.lang.is_en()).to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                keywords: h.keywords.clone(),
            }
        })
        .collect();
    let group = |title: &str,
                 key: &str,
                 current: &str,
                 values: &[(String, u64)],
                 label: &dyn Fn(&str) -> String| {
        FacetGroup {
            title: req.t(title).to_owned(),
            links: values
                .iter()
                .take(12)
                .map(|(code, count)| FacetLink {
                    label: label(code),
                    count: *count,
                    href: link(&p, key, if current == code { "" } else { code }),
                    active: current == code,
                })
                .collect(),
        }
    };
    let f = &r.facets;
    let mut facets = vec![
        group("search.facet_field", "field", &p.field, &f.field, &|c| {
            l.of("fields", c)
        }),
        group(
            "search.facet_subfield",
            "subfield",
            &p.subfield,
            &f.subfield,
            &|c| l.of("fields", c),
        ),
        group("search.facet_region", "unit", &p.unit, &f.region, &|c| {
            unit_name(&state, &req, c)
        }),
        group("search.facet_trl", "trl", &p.trl, &f.trl, &|c| {
            format!("TRL ≥ {c}")
        }),
        group(
            "search.facet_mode",
            "mode",
            &p.mode,
            &f.cooperation_mode,
            &|c| l.of("cooperation_modes", c),
        ),
        group("search.facet_ip", "ip", &p.ip, &f.ip_type, &|c| {
            l.of("ip_types", c)
        }),
    ];
    if manage {
        facets.push(group(
            "search.facet_status",
            "status",
            &p.status,
            &f.status,
            &|c| {
                Status::parse(c)
                    .map(|s| s.label(req.lang.is_en()).to_owned())
                    .unwrap_or_else(|| c.to_owned())
            },
        ));
    }
    facets.retain(|g| !g.links.is_empty());
    let mut chips = Vec::new();
    for (key, value, label) in [
        ("field", &p.field, l.of("fields", &p.field)),
        ("subfield", &p.subfield, l.of("fields", &p.subfield)),
        ("unit", &p.unit, unit_name(&state, &req, &p.unit)),
        ("trl", &p.trl, format!("TRL ≥ {}", p.trl)),
        ("mode", &p.mode, l.of("cooperation_modes", &p.mode)),
        ("ip", &p.ip, l.of("ip_types", &p.ip)),
        (
            "status",
            &p.status,
            Status::parse(p.status.trim())
                .map(|s| s.label(req.lang.is_en()).to_owned())
                .unwrap_or_else(|| p.status.clone()),
        ),
    ] {
        if !value.trim().is_empty() {
            chips.push((label, link(&p, key, "")));
        }
    }
    let mut tips = Vec::new();
    if r.total == 0 {
        if !chips.is_empty() {
            let mut bare = p.clone();
            for v in [
                &mut bare.field,
                &mut bare.subfield,
                &mut bare.unit,
                &mut bare.trl,
                &mut bare.mode,
                &mut bare.ip,
                &mut bare.status,
            ] {
                v.clear();
            }
            tips.push((
                req.t("search.without_filters").to_owned(),
                link(&bare, "q", &p.q),
            ));
        }
        // Titles and keywords that begin like the words typed.
        let words: Vec<String> = p.q.split_whitespace().map(str::to_owned).collect();
        let suggestions = on_index(&state, move |index| {
            let mut out = Vec::new();
            for w in words.iter().take(4) {
                let prefix: String = w.chars().take(2).collect();
                out.extend(index.suggest(&prefix, 3).unwrap_or_default());
            }
            out
        })
        .await
        .unwrap_or_default();
        // The shorter words inside what was typed (锂电池 → 电池), then suggestions.
        let whole: Vec<String> = state.search.segmenter().words(&p.q, false);
        let mut tried: Vec<String> = Vec::new();
        for w in state.search.segmenter().words(&p.q, true) {
            if w.chars().count() >= 2 && !whole.contains(&w) && !tried.contains(&w) {
                tried.push(w);
            }
        }
        for s in tried
            .into_iter()
            .take(4)
            .chain(suggestions.into_iter().take(6))
        {
            tips.push((s.clone(), link(&p, "q", &s)));
        }
    }
    let sorts = [
        ("relevance", "search.sort_relevance"),
        ("newest", "search.sort_newest"),
        ("trl", "search.sort_trl"),
    ]
    .iter()
    .map(|(k, t)| {
        let current = if p.sort.is_empty() {
            "relevance"
        } else {
            &p.sort
        };
        (req.t(t).to_owned(), link(&p, "sort", k), current == *k)
    })
    .collect();
    let base = link(&p, "page", "");
    let sep = if base.contains('?') { '&' } else { '?' };
    let pages = i64::from(r.pages);
    let current = i64::from(r.page);
    let pager = forms::Pager {
        page: current,
        pages: pages.max(1),
        total: r.total as i64,
        prev: (current > 1).then(|| format!("{base}{sep}page={}", (current - 1).min(pages.max(1)))),
        next: (current < pages).then(|| format!("{base}{sep}page={}", current + 1)),
    };
    let total = r.total;
    let view = SearchPage {
        page: Page::new(&req, "search.title"),
        p,
        hits,
        total,
        facets,
        sorts,
        pager,
        chips,
        tips,
        manage,
        can_manage,
    };
    Ok(forms::page(StatusCode::OK, view.render()?))
}

fn scoped_can_manage(req: &Req) -> bool {
    req.member().is_some_and(|m| {
        matches!(
            m.user.role,
            Role::NationalAdmin | Role::ProvincialAdmin | Role::Agency
        ) && req.can(
            Action::ReviewAchievement,
            &Resource::Achievement {
                unit_code: m.unit_code.clone(),
                org_id: String::new(),
                owner_id: None,
                status: Status::Submitted,
            },
        )
    })
}

// ---- suggestions ---------------------------------------------------------------------------

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct SuggestParams {
    /// What has been typed so far.
    pub q: String,
}

/// Titles and keywords of published entries that begin with what was typed.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, body = Vec<String>)))]
pub async fn suggest(
    State(state): State<AppState>,
    Query(p): Query<SuggestParams>,
) -> Result<Json<Vec<String>>, Failure> {
    let prefix: String = p.q.trim().chars().take(50).collect();
    if prefix.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let list = on_index(&state, move |index| index.suggest(&prefix, 8))
        .await?
        .map_err(Failure::internal)?;
    Ok(Json(list))
}

// ---- the API -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub id: String,
    /// `achievement` or `demand`.
    pub kind: String,
    pub title: String,
    /// The title as HTML: escaped, matches in `<mark>`.
    pub title_html: String,
    /// A passage as HTML: escaped, matches in `<mark>`.
    pub snippet_html: String,
    pub keywords: Vec<String>,
    pub holder_org: String,
    pub field: String,
    pub subfield: String,
    /// Programme unit code.
    pub unit: String,
    /// 1–9, 0 when unknown.
    pub trl: u8,
    pub status: String,
    pub score: f32,
}

/// One facet value and how many matching entries have it.
#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    pub code: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SearchFacets {
    pub field: Vec<FacetCount>,
    pub subfield: Vec<FacetCount>,
    pub unit: Vec<FacetCount>,
    pub trl: Vec<FacetCount>,
    pub cooperation_mode: Vec<FacetCount>,
    pub ip_type: Vec<FacetCount>,
    /// Only when managing.
    pub status: Vec<FacetCount>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub total: u64,
    pub page: u32,
    pub pages: u32,
    pub per_page: u32,
    /// `public`, `protected` or `manage`: what this caller's search covers.
    pub scope: String,
    pub hits: Vec<SearchHit>,
    pub facets: SearchFacets,
}

fn counts(v: &[(String, u64)]) -> Vec<FacetCount> {
    v.iter()
        .map(|(code, count)| FacetCount {
            code: code.clone(),
            count: *count,
        })
        .collect()
}

/// Full-text search with facets, filters, sorting and pages.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults)))]
pub async fn api(
    State(state): State<AppState>,
    req: Req,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResults>, Failure> {
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let (r, scoped) = run(&state, &req, &p, per_page).await?;
    let f = &r.facets;
    Ok(Json(SearchResults {
        total: r.total,
        page: r.page,
        pages: r.pages,
        per_page: r.per_page,
        scope: match scoped.scope {
            Scope::Public => "public",
            Scope::Protected => "protected",
            Scope::Admin => "manage",
        }
        .to_owned(),
        facets: SearchFacets {
            field: counts(&f.field),
            subfield: counts(&f.subfield),
            unit: counts(&f.region),
            trl: counts(&f.trl),
            cooperation_mode: counts(&f.cooperation_mode),
            ip_type: counts(&f.ip_type),
            status: counts(&f.status),
        },
        hits: r
            .hits
            .into_iter()
            .map(|h| SearchHit {
                kind: h.kind.code().to_owned(),
                id: h.id,
                title: h.title,
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                keywords: h.keywords,
                holder_org: h.holder_org,
                field: h.field,
                subfield: h.subfield,
                unit: h.region,
                trl: h.trl,
                status: h.status,
                score: h.score,
            })
            .collect(),
    }))
}

/// Related entries for an achievement page (more like this), in the viewer's scope.
pub async fn related(state: &AppState, req: &Req, id: &str) -> Vec<(String, String)> {
    let scope = scoped(req, false).scope;
    let id = id.to_owned();
    match on_index(state, move |index| index.more_like_this(&id, scope, 5)).await {
        Ok(Ok(hits)) => hits.into_iter().map(|h| (h.id, h.title)).collect(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "related achievements");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}
