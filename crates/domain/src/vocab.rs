//! Controlled vocabularies (VOCABULARY.md), kept as CSV data in `data/` and
//! embedded in the binary. The store copies them into the database at start, where
//! administrators can see (and later extend) them.

use std::collections::{BTreeMap, HashSet};

/// A programme unit (申报单位) that acts at provincial level: a province, a
/// 计划单列市 or 新疆生产建设兵团.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub name_en: String,
}

/// A GB/T 2260 region at province or prefecture level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub unit_code: String,
}

/// One entry of a controlled list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    /// Other columns of the list (e.g. TRL evidence, stage TRL range).
    pub extra: BTreeMap<String, String>,
}

/// A named controlled list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct List {
    pub key: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Vocabulary {
    pub units: Vec<Unit>,
    pub regions: Vec<Region>,
    pub lists: Vec<List>,
}

#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("{file}: {source}")]
    Csv {
        file: &'static str,
        source: csv::Error,
    },
    #[error("{file}: missing column {column}")]
    Column {
        file: &'static str,
        column: &'static str,
    },
    #[error("{file}: {problem}")]
    Invalid { file: &'static str, problem: String },
}

/// (key, 中文名, English title, file name, CSV text).
const LISTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "fields",
        "产业领域（战略性新兴产业分类）",
        "Industry fields",
        "fields.csv",
        include_str!("../data/fields.csv"),
    ),
    (
        "hightech_domains",
        "国家重点支持的高新技术领域",
        "High-tech domains",
        "hightech_domains.csv",
        include_str!("../data/hightech_domains.csv"),
    ),
    (
        "cooperation_modes",
        "合作方式",
        "Cooperation modes",
        "cooperation_modes.csv",
        include_str!("../data/cooperation_modes.csv"),
    ),
    (
        "trl",
        "技术就绪水平（TRL）",
        "Technology readiness levels",
        "trl.csv",
        include_str!("../data/trl.csv"),
    ),
    (
        "stages",
        "成果所处阶段",
        "Maturity stages",
        "stages.csv",
        include_str!("../data/stages.csv"),
    ),
    (
        "budget_ranges",
        "预算范围",
        "Budget ranges",
        "budget_ranges.csv",
        include_str!("../data/budget_ranges.csv"),
    ),
    (
        "industries",
        "所属行业（国民经济行业分类门类）",
        "Industries",
        "industries.csv",
        include_str!("../data/industries.csv"),
    ),
    (
        "themes",
        "路演主题",
        "Roadshow themes",
        "themes.csv",
        include_str!("../data/themes.csv"),
    ),
    (
        "ip_types",
        "成果类型",
        "IP types",
        "ip_types.csv",
        include_str!("../data/ip_types.csv"),
    ),
    (
        "sources",
        "成果来源",
        "Sources",
        "sources.csv",
        include_str!("../data/sources.csv"),
    ),
    (
        "tech_levels",
        "技术水平",
        "Technology levels",
        "tech_levels.csv",
        include_str!("../data/tech_levels.csv"),
    ),
    (
        "attributes",
        "成果属性",
        "Innovation kinds",
        "attributes.csv",
        include_str!("../data/attributes.csv"),
    ),
    (
        "return_reasons",
        "退回原因",
        "Return reasons",
        "return_reasons.csv",
        include_str!("../data/return_reasons.csv"),
    ),
    (
        "licence_kinds",
        "许可方式",
        "Licence kinds",
        "licence_kinds.csv",
        include_str!("../data/licence_kinds.csv"),
    ),
    (
        "transfer_forms",
        "法定转化方式",
        "Statutory transfer forms",
        "transfer_forms.csv",
        include_str!("../data/transfer_forms.csv"),
    ),
    (
        "services",
        "公共服务",
        "Public services",
        "services.csv",
        include_str!("../data/services.csv"),
    ),
];

const UNITS: &str = include_str!("../data/units.csv");
const REGIONS: &str = include_str!("../data/regions.csv");
const FIELD_DOMAIN_MAP: &str = include_str!("../data/field_domain_map.csv");

type Rows = Vec<BTreeMap<String, String>>;

fn read(file: &'static str, text: &str) -> Result<Rows, VocabError> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|source| VocabError::Csv { file, source })?
        .clone();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| VocabError::Csv { file, source })?;
        let row = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_owned(), v.trim().to_owned()))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

fn take(
    row: &mut BTreeMap<String, String>,
    file: &'static str,
    column: &'static str,
) -> Result<String, VocabError> {
    row.remove(column)
        .ok_or(VocabError::Column { file, column })
}

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

fn unique<'a>(
    file: &'static str,
    codes: impl Iterator<Item = &'a str>,
) -> Result<HashSet<&'a str>, VocabError> {
    let mut seen = HashSet::new();
    for c in codes {
        if c.is_empty() || !seen.insert(c) {
            return Err(VocabError::Invalid {
                file,
                problem: format!("empty or duplicate code {c:?}"),
            });
        }
    }
    Ok(seen)
}

fn load_list(
    key: &'static str,
    title: &'static str,
    title_en: &'static str,
    file: &'static str,
    text: &str,
) -> Result<List, VocabError> {
    let mut items = Vec::new();
    for mut row in read(file, text)? {
        let code = match row.remove("code") {
            Some(c) => c,
            None => take(&mut row, file, "level")?,
        };
        let name = take(&mut row, file, "name")?;
        let name_en = take(&mut row, file, "name_en")?;
        let parent_code = row.remove("parent_code").and_then(non_empty);
        items.push(Item {
            code,
            name,
            name_en,
            parent_code,
            extra: row,
        });
    }
    let codes = unique(file, items.iter().map(|i| i.code.as_str()))?;
    if let Some(bad) = items
        .iter()
        .filter_map(|i| i.parent_code.as_deref())
        .find(|p| !codes.contains(p))
    {
        return Err(VocabError::Invalid {
            file,
            problem: format!("unknown parent {bad}"),
        });
    }
    Ok(List {
        key,
        title,
        title_en,
        items,
    })
}

impl Vocabulary {
    /// The vocabularies shipped with the platform.
    pub fn builtin() -> Result<Vocabulary, VocabError> {
        let mut units = Vec::new();
        for mut row in read("units.csv", UNITS)? {
            units.push(Unit {
                code: take(&mut row, "units.csv", "code")?,
                name: take(&mut row, "units.csv", "name")?,
                kind: take(&mut row, "units.csv", "kind")?,
                name_en: take(&mut row, "units.csv", "name_en")?,
            });
        }
        let unit_codes = unique("units.csv", units.iter().map(|u| u.code.as_str()))?;
        let mut regions = Vec::new();
        for mut row in read("regions.csv", REGIONS)? {
            regions.push(Region {
                code: take(&mut row, "regions.csv", "code")?,
                name: take(&mut row, "regions.csv", "name")?,
                level: take(&mut row, "regions.csv", "level")?,
                parent_code: non_empty(take(&mut row, "regions.csv", "parent_code")?),
                unit_code: take(&mut row, "regions.csv", "unit_code")?,
            });
        }
        let region_codes = unique("regions.csv", regions.iter().map(|r| r.code.as_str()))?;
        for r in &regions {
            let parent_ok = r
                .parent_code
                .as_deref()
                .is_none_or(|p| region_codes.contains(p));
            if !parent_ok || !unit_codes.contains(r.unit_code.as_str()) {
                return Err(VocabError::Invalid {
                    file: "regions.csv",
                    problem: format!("bad parent or unit for {}", r.code),
                });
            }
        }
        let mut lists = Vec::new();
        for (key, title, title_en, file, text) in LISTS {
            lists.push(load_list(key, title, title_en, file, text)?);
        }
        let mut v = Vocabulary {
            units,
            regions,
            lists,
        };
        v.attach_domain_map()?;
        Ok(v)
    }

    /// Adds each sub-field's high-tech domain (`hightech_domain` in `extra`).
    fn attach_domain_map(&mut self) -> Result<(), VocabError> {
        let file = "field_domain_map.csv";
        let map: BTreeMap<String, String> = read(file, FIELD_DOMAIN_MAP)?
            .into_iter()
            .map(|mut r| {
                Ok((
                    take(&mut r, file, "field_code")?,
                    take(&mut r, file, "domain_code")?,
                ))
            })
            .collect::<Result<_, VocabError>>()?;
        let domains: HashSet<String> = self
            .list("hightech_domains")
            .map(|l| l.items.iter().map(|i| i.code.clone()).collect())
            .unwrap_or_default();
        let Some(fields) = self.lists.iter_mut().find(|l| l.key == "fields") else {
            return Ok(());
        };
        for item in fields.items.iter_mut() {
            if let Some(d) = map.get(&item.code) {
                if !domains.contains(d) {
                    return Err(VocabError::Invalid {
                        file,
                        problem: format!("unknown domain {d}"),
                    });
                }
                item.extra.insert("hightech_domain".into(), d.clone());
            }
        }
        Ok(())
    }

    pub fn list(&self, key: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.key == key)
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> Vocabulary {
        Vocabulary::builtin().expect("builtin vocabulary loads")
    }

    #[test]
    fn units_are_the_37_programme_units() {
        let v = v();
        assert_eq!(v.units.len(), 37);
        assert_eq!(v.units.iter().filter(|u| u.kind == "plan_city").count(), 5);
        assert_eq!(
            v.unit("66").map(|u| u.name.as_str()),
            Some("新疆生产建设兵团")
        );
    }

    #[test]
    fn regions_cover_provinces_and_cities() {
        let v = v();
        let provinces = v.regions.iter().filter(|r| r.level == "province").count();
        assert_eq!(provinces, 32, "31 provincial units plus the corps");
        assert!(v.regions.iter().filter(|r| r.level == "city").count() > 300);
        assert_eq!(
            v.region("440300").map(|r| r.unit_code.as_str()),
            Some("4403"),
            "深圳 is a 计划单列市"
        );
        assert_eq!(v.region("440100").map(|r| r.unit_code.as_str()), Some("44"));
        assert_eq!(
            v.region("370200").map(|r| r.unit_code.as_str()),
            Some("3702")
        );
    }

    #[test]
    fn lists_have_the_documented_sizes() {
        let v = v();
        let n = |k: &str| v.list(k).map(|l| l.items.len()).unwrap_or(0);
        assert_eq!(n("trl"), 9);
        assert_eq!(n("cooperation_modes"), 7);
        assert_eq!(n("hightech_domains"), 8);
        let fields = v.list("fields").expect("fields");
        assert_eq!(
            fields
                .items
                .iter()
                .filter(|i| i.parent_code.is_none())
                .count(),
            9
        );
        for sub in fields.items.iter().filter(|i| i.parent_code.is_some()) {
            assert!(
                sub.extra.contains_key("hightech_domain"),
                "{} has a high-tech domain",
                sub.code
            );
        }
    }
}
