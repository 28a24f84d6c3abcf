//! Demand ↔ achievement matching: reasons, field as a boost, scopes, kinds,
//! hostile input.

use ztc_search::{DemandProfile, FieldFit, Index, Kind, Match, Scope, SearchDoc, TrlFit};

struct Doc<'a> {
    id: &'a str,
    kind: Kind,
    title: &'a str,
    summary: &'a str,
    subfield: &'a str,
    trl: u8,
    modes: &'a [&'a str],
    region: &'a str,
    published: bool,
}

impl Doc<'_> {
    fn build(&self) -> SearchDoc {
        SearchDoc {
            id: self.id.into(),
            kind: self.kind,
            title: self.title.into(),
            summary: self.summary.into(),
            field: self.subfield.split('.').next().unwrap_or_default().into(),
            subfield: self.subfield.into(),
            trl: self.trl,
            cooperation_modes: self.modes.iter().map(|m| m.to_string()).collect(),
            region: self.region.into(),
            status: if self.published { "published" } else { "draft" }.into(),
            published: self.published,
            ..SearchDoc::default()
        }
    }
}

fn achievement<'a>(id: &'a str, title: &'a str, summary: &'a str, subfield: &'a str) -> Doc<'a> {
    Doc {
        id,
        kind: Kind::Achievement,
        title,
        summary,
        subfield,
        trl: 0,
        modes: &[],
        region: "",
        published: true,
    }
}

/// Unrelated published achievements, so that word statistics look like a library.
fn filler() -> Vec<SearchDoc> {
    let topics = [
        (
            "水稻抗旱品种选育",
            "利用分子标记辅助选择培育耐旱水稻新品种",
            "4.3",
        ),
        (
            "锂离子电池正极材料",
            "高镍三元正极材料的包覆改性与循环稳定性",
            "3.6",
        ),
        (
            "桥梁健康监测系统",
            "基于光纤光栅传感的大跨度桥梁应变监测",
            "3.4",
        ),
        (
            "中药材质量控制",
            "高效液相色谱法测定中药材中有效成分含量",
            "4.1",
        ),
        (
            "工业机器人视觉定位",
            "基于深度学习的工件识别与抓取位姿估计",
            "2.1",
        ),
        (
            "城市交通信号优化",
            "强化学习控制交叉口信号配时减少排队长度",
            "2.4",
        ),
    ];
    (0..30)
        .map(|i| {
            let (t, s, sub) = topics[i % topics.len()];
            SearchDoc {
                id: format!("filler-{i}"),
                ..achievement("", t, s, sub).build()
            }
        })
        .collect()
}

fn index_of(docs: &[Doc<'_>]) -> Index {
    let index = Index::in_ram().expect("index");
    let mut all: Vec<SearchDoc> = docs.iter().map(Doc::build).collect();
    all.extend(filler());
    index.upsert(&all).expect("upsert");
    index.commit(None).expect("commit");
    index
}

fn dyeing_demand() -> DemandProfile {
    DemandProfile {
        title: "印染废水深度脱色与COD削减".into(),
        text: "我公司是一家印染企业，日排印染废水约1.2万吨，现有水解酸化和好氧工艺冬季效果差，\
               出水COD和色度不稳定。希望与掌握催化氧化脱色、高效厌氧反应器技术的团队合作中试。"
            .into(),
        keywords: vec!["催化氧化".into(), "印染废水".into()],
        field: "7".into(),
        subfield: "7.2".into(),
        trl_min: 4,
        modes: vec!["joint_development".into(), "pilot".into()],
        region: "33".into(),
    }
}

fn find<'a>(found: &'a [Match], id: &str) -> &'a Match {
    found
        .iter()
        .find(|m| m.id == id)
        .unwrap_or_else(|| panic!("{id} not in {:?}", ids(found)))
}

fn ids(found: &[Match]) -> Vec<&str> {
    found.iter().map(|m| m.id.as_str()).collect()
}

fn library() -> Index {
    index_of(&[
        Doc {
            trl: 6,
            modes: &["pilot", "licence"],
            region: "33",
            ..achievement(
                "same-subfield",
                "印染废水催化氧化深度脱色技术",
                "针对印染废水色度高、COD难降解的问题，采用非均相催化氧化脱色，出水COD稳定达标。",
                "7.2",
            )
        },
        Doc {
            trl: 3,
            modes: &["transfer"],
            region: "44",
            ..achievement(
                "same-field",
                "低温高效厌氧反应器处理印染废水",
                "高效厌氧反应器在低温条件下处理印染废水，COD去除率提高。",
                "7.1",
            )
        },
        achievement(
            "other-field",
            "印染废水脱色用催化剂的制备",
            "一种用于印染废水催化氧化脱色的负载型催化剂及其制备方法。",
            "3.3",
        ),
        Doc {
            published: false,
            ..achievement(
                "draft",
                "印染废水催化氧化脱色中试装置",
                "印染废水催化氧化脱色，COD削减，厌氧反应器。",
                "7.2",
            )
        },
        Doc {
            kind: Kind::Demand,
            ..achievement(
                "a-demand",
                "征集印染废水催化氧化脱色技术",
                "印染废水脱色，COD削减，催化氧化。",
                "7.2",
            )
        },
    ])
}

#[test]
fn reasons_explain_each_match() {
    let index = library();
    let p = dyeing_demand();
    let found = index.match_demand(&p, Scope::Public, 10).expect("match");
    assert_eq!(found[0].id, "same-subfield", "{:?}", ids(&found));

    let best = find(&found, "same-subfield");
    assert_eq!(best.title, "印染废水催化氧化深度脱色技术");
    assert_eq!(best.reasons.field_fit, FieldFit::SameSubfield);
    assert_eq!(best.reasons.trl, 6);
    assert_eq!(best.reasons.trl_fit, TrlFit::Meets);
    assert_eq!(best.reasons.modes, vec!["pilot".to_string()]);
    assert!(best.reasons.same_region);

    let field = find(&found, "same-field");
    assert_eq!(field.reasons.field_fit, FieldFit::SameField);
    assert_eq!(field.reasons.trl, 3);
    assert_eq!(
        field.reasons.trl_fit,
        TrlFit::Below,
        "3 is below the minimum 4"
    );
    assert!(field.reasons.modes.is_empty());
    assert!(!field.reasons.same_region);

    let other = find(&found, "other-field");
    assert_eq!(other.reasons.field_fit, FieldFit::Other);
    assert_eq!(other.reasons.trl_fit, TrlFit::Unknown);

    // The listed words are the demand's own words, found in the document.
    let demand_text = format!("{} {} {}", p.title, p.text, p.keywords.join(" ")).to_lowercase();
    for m in &found {
        assert!(!m.reasons.terms.is_empty(), "{m:?}");
        assert!(m.reasons.terms.len() <= 6, "{m:?}");
        for t in &m.reasons.terms {
            assert!(demand_text.contains(t.as_str()), "{t} is not in the demand");
            assert!(t.chars().count() >= 2, "{t}");
        }
    }
    assert!(
        best.reasons.terms.iter().any(|t| t.contains("催化氧化")
            || t.contains("印染废水")
            || t == "脱色"
            || t == "印染"),
        "{:?}",
        best.reasons.terms
    );
    // Scores are in order.
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn only_achievements_in_scope_are_matched() {
    let index = library();
    let p = dyeing_demand();
    for scope in [Scope::Public, Scope::Protected] {
        let found = index.match_demand(&p, scope, 50).expect("match");
        let got = ids(&found);
        assert!(!got.contains(&"draft"), "{scope:?}: {got:?}");
        assert!(!got.contains(&"a-demand"), "{scope:?}: {got:?}");
        // Unrelated documents that share a word (深度脱色 / 深度学习) come
        // last, far below.
        for m in found.iter().filter(|m| m.id.starts_with("filler")) {
            assert!(m.score < 0.2 * found[0].score, "{m:?}");
        }
    }
    let admin = index.match_demand(&p, Scope::Admin, 50).expect("match");
    assert!(ids(&admin).contains(&"draft"), "admin sees drafts");
    assert!(!ids(&admin).contains(&"a-demand"));
}

#[test]
fn technical_text_counts_outside_the_public_scope_only() {
    let index = index_of(&[]);
    index
        .upsert(&[SearchDoc {
            technical: "钙钛矿叠层界面钝化工艺".into(),
            ..achievement("tech", "新型光伏组件", "组件效率提升。", "6.3").build()
        }])
        .expect("upsert");
    index.commit(None).expect("commit");
    let p = DemandProfile {
        title: "钙钛矿叠层界面钝化".into(),
        ..DemandProfile::default()
    };
    let public = index.match_demand(&p, Scope::Public, 10).expect("public");
    assert!(public.is_empty(), "{:?}", ids(&public));
    let protected = index
        .match_demand(&p, Scope::Protected, 10)
        .expect("protected");
    assert_eq!(ids(&protected), vec!["tech"]);
}

#[test]
fn field_is_a_boost_not_a_filter() {
    // A textually perfect answer filed under another field ranks above a
    // same-sub-field document that shares only one word.
    let index = index_of(&[
        achievement(
            "perfect",
            "盾构隧道管片接缝渗漏检测与注浆修复",
            "针对盾构隧道管片接缝渗漏，采用地质雷达检测衬砌背后空洞并进行注浆修复。",
            "3.4",
        ),
        achievement(
            "same-field-weak",
            "城市轨道交通客流预测",
            "基于深度学习的地铁客流预测，服务隧道运营调度。",
            "2.4",
        ),
    ]);
    let p = DemandProfile {
        title: "地铁盾构隧道管片渗漏检测与修复".into(),
        text: "运营隧道管片接缝渗漏严重，需要地质雷达检测衬砌背后空洞，并提供注浆修复方案。".into(),
        field: "2".into(),
        subfield: "2.4".into(),
        ..DemandProfile::default()
    };
    let found = index.match_demand(&p, Scope::Public, 10).expect("match");
    assert_eq!(found[0].id, "perfect", "{:?}", ids(&found));
    assert_eq!(found[0].reasons.field_fit, FieldFit::Other);
    let weak = find(&found, "same-field-weak");
    assert_eq!(weak.reasons.field_fit, FieldFit::SameSubfield);
    assert!(weak.score < found[0].score);
}

#[test]
fn odd_profiles_give_sensible_answers() {
    let index = library();
    let none = |p: &DemandProfile| index.match_demand(p, Scope::Public, 10).expect("no error");
    assert!(none(&DemandProfile::default()).is_empty(), "empty profile");
    let only_noise = DemandProfile {
        title: "！！！ 😀😀 \u{0}\u{7}\t\n ".into(),
        text: "我公司 希望 合作 1234 5.6 mg/L ()[]{}*:^~\"' AND OR NOT".into(),
        ..DemandProfile::default()
    };
    assert!(none(&only_noise).is_empty(), "nothing usable");

    // Query syntax, control characters, emoji and full-width text mixed in.
    let odd = DemandProfile {
        title: "印染废水 AND (脱色 OR \"COD\") ＣＯＤ 😀 \u{202e}".into(),
        text: "\u{0}催化氧化*^2 field:7 ~~ 印染\u{200b}废水".into(),
        keywords: vec![String::new(), " ".into(), "催化氧化".into()],
        ..dyeing_demand()
    };
    let found = none(&odd);
    assert!(ids(&found).contains(&"same-subfield"), "{:?}", ids(&found));

    // A huge description (about 300,000 characters) still works.
    let huge = DemandProfile {
        text: "印染废水深度脱色，催化氧化削减COD。".repeat(20_000),
        keywords: vec!["催化氧化".repeat(100); 500],
        ..dyeing_demand()
    };
    let found = none(&huge);
    assert_eq!(found[0].id, "same-subfield", "{:?}", ids(&found));

    // Limits: 0 gives nothing, a huge limit is capped.
    let p = dyeing_demand();
    assert!(
        index
            .match_demand(&p, Scope::Public, 0)
            .expect("0")
            .is_empty()
    );
    let many = index
        .match_demand(&p, Scope::Public, 1_000_000)
        .expect("many");
    assert!(many.len() <= ztc_search::matching::MAX_MATCHES);
    assert!(!many.is_empty());

    // An empty index answers with nothing.
    let empty = Index::in_ram().expect("index");
    assert!(
        empty
            .match_demand(&p, Scope::Public, 10)
            .expect("empty")
            .is_empty()
    );
}

fn demand<'a>(id: &'a str, title: &'a str, summary: &'a str, subfield: &'a str) -> Doc<'a> {
    Doc {
        kind: Kind::Demand,
        ..achievement(id, title, summary, subfield)
    }
}

#[test]
fn achievements_find_the_demands_they_answer() {
    let index = index_of(&[
        Doc {
            trl: 6,
            modes: &["licence", "pilot"],
            region: "33",
            ..achievement(
                "ach",
                "印染废水催化氧化深度脱色技术",
                "采用非均相催化氧化对印染废水深度脱色，COD稳定达标，已完成中试。",
                "7.2",
            )
        },
        Doc {
            trl: 7,
            modes: &["pilot", "joint_development"],
            region: "33",
            ..demand(
                "d-dyeing",
                "印染废水深度脱色技术需求",
                "印染企业需要催化氧化脱色技术，削减COD，要求中试验证。",
                "7.2",
            )
        },
        Doc {
            trl: 4,
            modes: &["transfer"],
            region: "44",
            ..demand(
                "d-coking",
                "焦化废水COD削减",
                "焦化废水含酚，COD高，需要高级氧化或生化处理技术。",
                "3.3",
            )
        },
        Doc {
            published: false,
            ..demand(
                "d-draft",
                "印染废水催化氧化脱色",
                "印染废水催化氧化脱色，COD削减。",
                "7.2",
            )
        },
        demand(
            "d-rice",
            "耐旱水稻品种需求",
            "干旱地区需要耐旱水稻新品种。",
            "4.3",
        ),
        achievement(
            "other-ach",
            "印染废水催化氧化脱色",
            "印染废水催化氧化脱色。",
            "7.2",
        ),
    ]);
    let found = index
        .match_achievement("ach", Scope::Public, 10)
        .expect("match");
    let got = ids(&found);
    assert_eq!(got[0], "d-dyeing", "{got:?}");
    assert!(!got.contains(&"d-draft"), "unpublished demand: {got:?}");
    assert!(
        !got.contains(&"other-ach"),
        "achievements are not demands: {got:?}"
    );
    assert!(!got.contains(&"ach"));

    let best = &found[0];
    assert_eq!(best.reasons.field_fit, FieldFit::SameSubfield);
    assert_eq!(best.reasons.trl, 7, "the demand's minimum");
    assert_eq!(
        best.reasons.trl_fit,
        TrlFit::Below,
        "achievement at 6, demand wants 7"
    );
    assert_eq!(best.reasons.modes, vec!["pilot".to_string()]);
    assert!(best.reasons.same_region);
    assert!(
        best.reasons
            .terms
            .iter()
            .any(|t| t.contains("脱色") || t.contains("印染"))
    );

    let coking = find(&found, "d-coking");
    assert_eq!(coking.reasons.field_fit, FieldFit::Other);
    assert_eq!(coking.reasons.trl_fit, TrlFit::Meets, "6 meets 4");
    assert!(coking.reasons.modes.is_empty());
    assert!(!coking.reasons.same_region);

    let admin = index
        .match_achievement("ach", Scope::Admin, 10)
        .expect("admin");
    assert!(ids(&admin).contains(&"d-draft"));

    // Unknown ids, demands and unpublished achievements give nothing.
    assert!(
        index
            .match_achievement("nope", Scope::Public, 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        index
            .match_achievement("d-dyeing", Scope::Admin, 10)
            .unwrap()
            .is_empty()
    );
    index
        .upsert(&[Doc {
            published: false,
            ..achievement("ach-draft", "印染废水脱色", "印染废水脱色。", "7.2")
        }
        .build()])
        .unwrap();
    index.commit(None).unwrap();
    assert!(
        index
            .match_achievement("ach-draft", Scope::Public, 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        !index
            .match_achievement("ach-draft", Scope::Admin, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn related_entries_are_of_the_same_kind() {
    let mut docs = vec![
        achievement(
            "a1",
            "印染废水催化臭氧氧化脱色",
            "非均相催化臭氧氧化处理印染废水，脱色率高",
            "7.2",
        ),
        achievement(
            "a2",
            "印染废水膜生物反应器处理",
            "膜生物反应器处理印染废水，出水稳定",
            "7.2",
        ),
    ];
    docs.push(Doc {
        kind: Kind::Demand,
        ..achievement(
            "d1",
            "印染废水深度脱色需求",
            "印染废水催化臭氧氧化脱色，出水色度达标",
            "7.2",
        )
    });
    let index = index_of(&docs);
    let related = index.more_like_this("a1", Scope::Public, 10).unwrap();
    let ids: Vec<&str> = related.iter().map(|h| h.id.as_str()).collect();
    assert!(ids.contains(&"a2"), "{ids:?}");
    assert!(
        !ids.contains(&"d1"),
        "a demand is not a related achievement: {ids:?}"
    );
}
