//! Behaviour of the index: scopes, facets, filters, sorting, paging, writes,
//! persistence, dictionary, hostile input, highlighting, suggestions,
//! related documents.

use ztc_search::{Filters, Index, Kind, Query, Scope, SearchDoc, Sort};

fn doc(id: &str, title: &str, status: &str) -> SearchDoc {
    SearchDoc {
        id: id.into(),
        title: title.into(),
        status: status.into(),
        published: status == "published",
        ..SearchDoc::default()
    }
}

fn q(text: &str, scope: Scope) -> Query {
    Query {
        text: text.into(),
        scope,
        ..Query::default()
    }
}

fn ids(index: &Index, query: &Query) -> Vec<String> {
    let mut v: Vec<String> = index
        .search(query)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    v.sort();
    v
}

fn library() -> Index {
    let index = Index::in_ram().expect("index");
    let mut docs = vec![
        SearchDoc {
            summary: "一种固态锂电池电解质及其制备方法".into(),
            technical: "采用硫化物钠超离子导体掺杂工艺".into(),
            keywords: vec!["锂电池".into(), "固态电解质".into()],
            field: "520".into(),
            subfield: "520.20".into(),
            region: "44".into(),
            trl: 6,
            cooperation_modes: vec!["transfer".into(), "license".into()],
            ip_types: vec!["invention".into()],
            created_at: 100,
            ..doc("pub-battery", "高能量密度固态锂电池", "published")
        },
        SearchDoc {
            summary: "锂电池回收中有价金属的湿法提取".into(),
            technical: "硫化物钠超离子导体".into(),
            field: "520".into(),
            subfield: "520.30".into(),
            region: "32".into(),
            trl: 8,
            cooperation_modes: vec!["joint".into()],
            created_at: 300,
            ..doc("pub-recycle", "废旧锂电池回收技术", "published")
        },
        SearchDoc {
            summary: "基于深度学习的锂电池健康状态估计".into(),
            field: "510".into(),
            region: "44".into(),
            trl: 3,
            created_at: 200,
            kind: Kind::Demand,
            ..doc("pub-bms", "锂电池管理系统算法需求", "published")
        },
        SearchDoc {
            summary: "尚未发布的锂电池隔膜草稿".into(),
            technical: "硫化物钠超离子导体".into(),
            field: "520".into(),
            created_at: 400,
            ..doc("draft-1", "锂电池隔膜涂层", "draft")
        },
        SearchDoc {
            summary: "已提交审核的锂电池负极".into(),
            field: "520".into(),
            created_at: 500,
            ..doc("sub-1", "硅碳负极锂电池", "submitted")
        },
    ];
    docs.push(doc("pub-other", "水稻分子育种", "published"));
    index.upsert(&docs).expect("upsert");
    index.commit(Some("c1")).expect("commit");
    index
}

#[test]
fn public_scope_sees_only_published_and_public_text() {
    let index = library();
    let found = ids(&index, &q("锂电池", Scope::Public));
    assert_eq!(found, ["pub-battery", "pub-bms", "pub-recycle"]);
    assert!(ids(&index, &q("超离子导体", Scope::Public)).is_empty());
    let f = index
        .search(&q("锂电池", Scope::Public))
        .expect("search")
        .facets;
    assert!(f.status.is_empty(), "status facet is for administrators");
}

#[test]
fn protected_scope_matches_technical_text_of_published_only() {
    let index = library();
    assert_eq!(
        ids(&index, &q("超离子导体", Scope::Protected)),
        ["pub-battery", "pub-recycle"]
    );
    assert_eq!(ids(&index, &q("锂电池", Scope::Protected)).len(), 3);
}

#[test]
fn admin_scope_sees_every_status_with_status_facet() {
    let index = library();
    let r = index.search(&q("锂电池", Scope::Admin)).expect("search");
    assert_eq!(r.total, 5);
    let mut status = r.facets.status.clone();
    status.sort();
    assert_eq!(
        status,
        [
            ("draft".to_string(), 1),
            ("published".to_string(), 3),
            ("submitted".to_string(), 1)
        ]
    );
    assert_eq!(
        ids(&index, &q("超离子导体", Scope::Admin)),
        ["draft-1", "pub-battery", "pub-recycle"]
    );
    let mut only_drafts = q("锂电池", Scope::Admin);
    only_drafts.filters.status = Some("draft".into());
    assert_eq!(ids(&index, &only_drafts), ["draft-1"]);
}

#[test]
fn facets_count_the_whole_matching_set() {
    let index = library();
    let r = index
        .search(&Query {
            per_page: 1,
            ..q("锂电池", Scope::Public)
        })
        .expect("search");
    assert_eq!(r.total, 3);
    assert_eq!(r.hits.len(), 1);
    let f = r.facets;
    assert_eq!(f.field, [("520".to_string(), 2), ("510".to_string(), 1)]);
    assert_eq!(f.region, [("44".to_string(), 2), ("32".to_string(), 1)]);
    assert_eq!(
        f.subfield,
        [("520.20".to_string(), 1), ("520.30".to_string(), 1)]
    );
    let mut trl = f.trl.clone();
    trl.sort();
    assert_eq!(
        trl,
        [
            ("3".to_string(), 1),
            ("6".to_string(), 1),
            ("8".to_string(), 1)
        ]
    );
    assert_eq!(
        f.cooperation_mode,
        [
            ("joint".to_string(), 1),
            ("license".to_string(), 1),
            ("transfer".to_string(), 1)
        ]
    );
    assert_eq!(f.ip_type, [("invention".to_string(), 1)]);
}

#[test]
fn filters_narrow_results_and_facets() {
    let index = library();
    let with = |filters: Filters| {
        ids(
            &index,
            &Query {
                filters,
                ..q("锂电池", Scope::Public)
            },
        )
    };
    let f = Filters::default;
    assert_eq!(
        with(Filters {
            field: Some("520".into()),
            ..f()
        }),
        ["pub-battery", "pub-recycle"]
    );
    assert_eq!(
        with(Filters {
            subfield: Some("520.30".into()),
            ..f()
        }),
        ["pub-recycle"]
    );
    assert_eq!(
        with(Filters {
            region: Some("44".into()),
            ..f()
        }),
        ["pub-battery", "pub-bms"]
    );
    assert_eq!(
        with(Filters {
            trl_min: Some(6),
            ..f()
        }),
        ["pub-battery", "pub-recycle"]
    );
    assert_eq!(
        with(Filters {
            trl: Some(3),
            ..f()
        }),
        ["pub-bms"]
    );
    assert_eq!(
        with(Filters {
            cooperation_mode: Some("license".into()),
            ..f()
        }),
        ["pub-battery"]
    );
    assert_eq!(
        with(Filters {
            ip_type: Some("invention".into()),
            ..f()
        }),
        ["pub-battery"]
    );
    assert_eq!(
        with(Filters {
            kind: Some(Kind::Demand),
            ..f()
        }),
        ["pub-bms"]
    );
    assert!(
        with(Filters {
            region: Some("99".into()),
            ..f()
        })
        .is_empty()
    );
    let narrowed = index
        .search(&Query {
            filters: Filters {
                region: Some("44".into()),
                ..f()
            },
            ..q("锂电池", Scope::Public)
        })
        .expect("search");
    assert_eq!(narrowed.facets.region, [("44".to_string(), 2)]);
}

#[test]
fn sorts_by_newest_and_by_trl() {
    let index = library();
    let order = |sort| {
        index
            .search(&Query {
                sort,
                ..q("锂电池", Scope::Public)
            })
            .expect("search")
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(Sort::Newest),
        ["pub-recycle", "pub-bms", "pub-battery"]
    );
    assert_eq!(order(Sort::Trl), ["pub-recycle", "pub-battery", "pub-bms"]);
}

#[test]
fn pages_and_out_of_range_pages() {
    let index = Index::in_ram().expect("index");
    let docs: Vec<SearchDoc> = (0..25)
        .map(|i| SearchDoc {
            created_at: i,
            ..doc(&format!("d{i:02}"), "碳化硅功率器件", "published")
        })
        .collect();
    index.upsert(&docs).expect("upsert");
    index.commit(None).expect("commit");
    let page = |page, per_page| {
        index
            .search(&Query {
                page,
                per_page,
                ..q("碳化硅", Scope::Public)
            })
            .expect("search")
    };
    let p1 = page(1, 10);
    assert_eq!((p1.total, p1.pages, p1.hits.len()), (25, 3, 10));
    let p3 = page(3, 10);
    assert_eq!(p3.hits.len(), 5);
    let all: std::collections::HashSet<String> = (1..=3)
        .flat_map(|p| page(p, 10).hits.into_iter().map(|h| h.id))
        .collect();
    assert_eq!(all.len(), 25, "pages do not overlap");
    let past = page(4, 10);
    assert_eq!((past.total, past.pages, past.hits.len()), (25, 3, 0));
    let far = page(u32::MAX, 100);
    assert_eq!((far.total, far.hits.len()), (25, 0));
    assert_eq!(page(0, 10).page, 1);
    assert_eq!(page(1, 0).per_page, 1);
    assert_eq!(page(1, 5000).per_page, 100);
}

#[test]
fn upsert_is_idempotent_and_delete_removes() {
    let index = library();
    let d = doc("pub-other", "水稻分子育种新方法", "published");
    index.upsert(&[d.clone(), d.clone()]).expect("upsert");
    index.commit(None).expect("commit");
    index.upsert(&[d]).expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(index.doc_count(), 6);
    assert_eq!(ids(&index, &q("育种", Scope::Public)), ["pub-other"]);
    index.delete("pub-other").expect("delete");
    index.commit(None).expect("commit");
    assert_eq!(index.doc_count(), 5);
    assert!(ids(&index, &q("育种", Scope::Public)).is_empty());
    // An unpublished version replaces the published one.
    index
        .upsert(&[doc("pub-bms", "锂电池管理系统算法需求", "submitted")])
        .expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(
        ids(&index, &q("管理系统", Scope::Public)),
        Vec::<String>::new()
    );
}

#[test]
fn optimize_merges_segments_and_keeps_the_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.optimize().expect("nothing to merge"), 0);
    for (i, title) in ["石墨烯导热膜", "石墨烯传感器", "钙钛矿电池"]
        .iter()
        .enumerate()
    {
        index
            .upsert(&[doc(&format!("d{i}"), title, "published")])
            .expect("upsert");
        index.commit(Some(&format!("outbox:{i}"))).expect("commit");
    }
    assert_eq!(index.optimize().expect("optimize"), 3);
    assert_eq!(index.optimize().expect("already one"), 0);
    assert_eq!(index.cursor().expect("cursor").as_deref(), Some("outbox:2"));
    assert_eq!(ids(&index, &q("石墨烯", Scope::Public)), ["d0", "d1"]);
    drop(index);
    let index = Index::open(dir.path()).expect("reopen");
    assert_eq!(index.cursor().expect("cursor").as_deref(), Some("outbox:2"));
    assert_eq!(index.doc_count(), 3);
}

#[test]
fn persists_across_reopen_with_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let index = Index::open(dir.path()).expect("open");
        assert_eq!(index.cursor().expect("cursor"), None);
        index
            .upsert(&[doc("a", "石墨烯导热膜", "published")])
            .expect("upsert");
        index.commit(Some("outbox:17")).expect("commit");
        index
            .upsert(&[doc("b", "石墨烯传感器", "published")])
            .expect("upsert");
        index.commit(None).expect("commit keeps cursor");
        // Staged but never committed: lost, as after a crash.
        index
            .upsert(&[doc("c", "石墨烯电池", "published")])
            .expect("upsert");
    }
    let index = Index::open(dir.path()).expect("reopen");
    assert_eq!(
        index.cursor().expect("cursor").as_deref(),
        Some("outbox:17")
    );
    assert_eq!(index.doc_count(), 2);
    assert_eq!(ids(&index, &q("石墨烯", Scope::Public)), ["a", "b"]);
    index
        .upsert(&[doc("c", "石墨烯电池", "published")])
        .expect("upsert");
    index.commit(Some("outbox:18")).expect("commit");
    drop(index);
    let index = Index::open(dir.path()).expect("reopen");
    assert_eq!(
        index.cursor().expect("cursor").as_deref(),
        Some("outbox:18")
    );
    assert_eq!(index.doc_count(), 3);
}

#[test]
fn added_terms_change_segmentation_for_indexing_and_queries() {
    let term = "氢氧燃料堆栈";
    let index = Index::in_ram().expect("index");
    let before = index.segmenter().words(term, false);
    assert!(
        before.len() > 1,
        "jieba splits {term} by default: {before:?}"
    );
    assert_eq!(index.add_terms(&[term.to_string()]), 1);
    assert_eq!(index.segmenter().words(term, false), [term]);
    index
        .upsert(&[
            doc("whole", &format!("新型{term}设计"), "published"),
            doc("parts", "燃料电池与氢氧化物堆栈", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    let hits = index.search(&q(term, Scope::Public)).expect("search").hits;
    assert_eq!(hits[0].id, "whole");
    assert!(
        hits[0].title_html.contains(&format!("<mark>{term}</mark>")),
        "{}",
        hits[0].title_html
    );
    // Terms given at open act the same.
    let dir = tempfile::tempdir().expect("tempdir");
    let opened = Index::open_with_terms(dir.path(), &[term.to_string()]).expect("open");
    assert_eq!(opened.segmenter().words(term, false), [term]);
}

#[test]
fn hostile_input_never_errors() {
    let index = library();
    let long = "锂电池".repeat(4000) + &"x".repeat(10_000);
    let inputs = [
        "",
        "   ",
        "\"",
        "\"锂电池",
        "title:锂电池",
        "(锂电池",
        "锂电池*",
        "锂电池 AND OR NOT -隔膜",
        "-",
        "+-&&||!(){}[]^\"~*?:\\/",
        "🔋🔋 锂电池 😀",
        "\u{0}\u{1}\u{7}\u{1b}[31m锂电池\u{7f}",
        "\u{202e}\u{200b}",
        "ＢＭＳ　锂电池",
        &long,
    ];
    for text in inputs {
        for scope in [Scope::Public, Scope::Protected, Scope::Admin] {
            let r = index.search(&q(text, scope));
            assert!(r.is_ok(), "{text:?}: {r:?}");
        }
        assert!(index.suggest(text, 5).is_ok());
    }
    // Syntax characters are plain text: the words still match.
    assert_eq!(
        ids(&index, &q("title:(锂电池* AND", Scope::Public)).len(),
        3
    );
    // Empty input lists newest published first.
    let all = index.search(&q("", Scope::Public)).expect("search");
    assert_eq!(all.total, 4);
    assert_eq!(all.hits[0].id, "pub-recycle");
    assert_eq!(
        index
            .search(&q(&long, Scope::Public))
            .expect("search")
            .total,
        3
    );
}

#[test]
fn mixed_chinese_and_latin_queries_are_case_insensitive() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[
            SearchDoc {
                summary: "面向储能电站的BMS均衡控制".into(),
                ..doc("bms", "锂电池BMS", "published")
            },
            doc("crispr", "CRISPR基因编辑育种平台", "published"),
            doc("other", "锂电池正极材料", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    let top = |t: &str| {
        index.search(&q(t, Scope::Public)).expect("search").hits[0]
            .id
            .clone()
    };
    assert_eq!(top("锂电池 BMS"), "bms");
    assert_eq!(top("锂电池 bms"), "bms");
    assert_eq!(top("CRISPR 基因编辑"), "crispr");
    assert_eq!(top("crispr"), "crispr");
    assert_eq!(top("ＣＲＩＳＰＲ"), "crispr");
}

#[test]
fn highlighting_escapes_text_but_keeps_marks() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[SearchDoc {
            summary: "<script>alert('x')</script> 光伏组件 & \"逆变器\" 的可靠性".into(),
            ..doc("x", "<b>光伏</b>组件测试", "published")
        }])
        .expect("upsert");
    index.commit(None).expect("commit");
    let hit = &index
        .search(&q("光伏", Scope::Public))
        .expect("search")
        .hits[0];
    assert!(
        hit.title_html
            .contains("&lt;b&gt;<mark>光伏</mark>&lt;/b&gt;"),
        "{}",
        hit.title_html
    );
    assert!(
        !hit.snippet_html.contains("<script>") && !hit.snippet_html.contains("</script>"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.contains("&lt;/script&gt;"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.contains("<mark>光伏"),
        "{}",
        hit.snippet_html
    );
    assert!(hit.snippet_html.contains("&amp;"), "{}", hit.snippet_html);
    let stripped = hit
        .snippet_html
        .replace("<mark>", "")
        .replace("</mark>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "{stripped}"
    );
    // Nothing matched in the title: the title is escaped whole.
    let hit = &index
        .search(&q("可靠性", Scope::Public))
        .expect("search")
        .hits[0];
    assert_eq!(hit.title_html, "&lt;b&gt;光伏&lt;/b&gt;组件测试");
}

#[test]
fn suggestions_come_from_published_titles_and_keywords() {
    let index = library();
    let s = index.suggest("锂电", 10).expect("suggest");
    assert!(s.contains(&"锂电池".to_string()), "{s:?}");
    assert!(s.contains(&"锂电池管理系统算法需求".to_string()), "{s:?}");
    assert_eq!(
        s[0], "锂电池",
        "the keyword shared by most documents first: {s:?}"
    );
    assert!(
        !s.iter().any(|x| x.contains("隔膜")),
        "drafts never suggested: {s:?}"
    );
    assert!(index.suggest("", 5).expect("suggest").is_empty());
    assert!(index.suggest("锂电", 0).expect("suggest").is_empty());
    assert_eq!(index.suggest("锂电", 1).expect("suggest").len(), 1);
    index.delete("pub-bms").expect("delete");
    index.commit(None).expect("commit");
    let s = index.suggest("锂电", 10).expect("suggest");
    assert!(
        !s.contains(&"锂电池管理系统算法需求".to_string()),
        "deleted: {s:?}"
    );
}

#[test]
fn more_like_this_excludes_the_document_and_respects_scope() {
    let index = library();
    let related = index
        .more_like_this("pub-battery", Scope::Public, 10)
        .expect("mlt");
    assert!(!related.is_empty());
    assert!(related.iter().all(|h| h.id != "pub-battery"));
    assert!(related.iter().all(|h| h.published), "{related:?}");
    assert!(
        index
            .more_like_this("draft-1", Scope::Public, 10)
            .expect("mlt")
            .is_empty()
    );
    assert!(
        index
            .more_like_this("nope", Scope::Public, 10)
            .expect("mlt")
            .is_empty()
    );
    let admin = index
        .more_like_this("draft-1", Scope::Admin, 10)
        .expect("mlt");
    assert!(admin.iter().all(|h| h.id != "draft-1"));
    assert!(!admin.is_empty());
}

#[test]
fn more_like_this_survives_many_deleted_versions() {
    // Every edit of a document leaves its old version deleted but not yet
    // merged away: tantivy's more-like-this then saw a word in more documents
    // than the index holds and panicked (doc_count >= doc_freq).
    let index = Index::in_ram().expect("index");
    let edited = SearchDoc {
        summary: "固态锂电池电解质的制备方法".into(),
        ..doc("edited", "固态锂电池电解质", "published")
    };
    let versions: Vec<SearchDoc> = (0..20).map(|_| edited.clone()).collect();
    index.upsert(&versions).expect("upsert");
    index
        .upsert(&[SearchDoc {
            summary: "锂电池电解质添加剂".into(),
            ..doc("other", "锂电池电解质添加剂", "published")
        }])
        .expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(index.doc_count(), 2);
    let related = index
        .more_like_this("other", Scope::Public, 10)
        .expect("mlt");
    let ids: Vec<&str> = related.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["edited"]);
}

#[test]
fn every_word_is_required_unless_no_document_has_them_all() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[
            doc("both", "光伏逆变器效率", "published"),
            doc("one", "光伏组件清洗", "published"),
            doc("other", "风电齿轮箱", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(ids(&index, &q("光伏 逆变器", Scope::Public)), ["both"]);
    // No document has 光伏 and 齿轮箱 together: any one word will do.
    assert_eq!(
        ids(&index, &q("光伏 齿轮箱", Scope::Public)),
        ["both", "one", "other"]
    );
    // Single characters never make a document drop out.
    assert_eq!(ids(&index, &q("光伏的逆变器", Scope::Public)), ["both"]);
}

#[test]
fn without_every_word_all_but_one_come_before_any_one() {
    let index = Index::in_ram().expect("index");
    // Twelve entries with 光伏 and 逆变器, one with 光伏 alone, none with 储能 too.
    let mut docs: Vec<SearchDoc> = (0..12)
        .map(|i| doc(&format!("pair-{i:02}"), "光伏逆变器效率", "published"))
        .collect();
    docs.push(doc("single", "光伏组件清洗", "published"));
    index.upsert(&docs).expect("upsert");
    index.commit(None).expect("commit");
    let found = |text: &str| {
        let mut query = q(text, Scope::Public);
        query.per_page = 50;
        ids(&index, &query)
    };
    // A page's worth (10 or more) have two of the three words: the entry
    // with one word is left out.
    let two = found("光伏 逆变器 储能");
    assert_eq!(two.len(), 12, "{two:?}");
    assert!(!two.contains(&"single".to_string()));
    // Fewer than a page with two of three words: any one word will do.
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[
            doc("pair", "光伏逆变器效率", "published"),
            doc("single", "光伏组件清洗", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(
        ids(&index, &q("光伏 逆变器 储能", Scope::Public)),
        ["pair", "single"]
    );
}

#[test]
fn an_index_with_another_schema_is_started_again_empty() {
    use tantivy::schema::{STORED, STRING, Schema};
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let old = tantivy::Index::create_in_dir(dir.path(), b.build()).expect("old index");
        let mut w: tantivy::IndexWriter = old.writer(15_000_000).expect("writer");
        w.add_document(tantivy::doc!(id => "x")).expect("add");
        w.prepare_commit()
            .expect("prepare")
            .commit()
            .expect("commit");
    }
    std::fs::write(dir.path().join("notes.txt"), "kept").expect("write");
    let index = Index::open(dir.path()).expect("reopened");
    assert_eq!(index.doc_count(), 0);
    assert_eq!(index.cursor().expect("cursor"), None);
    assert!(
        dir.path().join("notes.txt").exists(),
        "only index files are removed"
    );
    index
        .upsert(&[doc("a", "钙钛矿电池", "published")])
        .expect("upsert");
    index.commit(Some("1")).expect("commit");
    assert_eq!(ids(&index, &q("钙钛矿", Scope::Public)), ["a"]);
}

#[test]
fn compound_words_match_whole_or_spelled_out_but_not_by_one_part() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[
            doc("whole", "主成分分析方法", "published"),
            doc("spelled", "主成分的快速分析", "published"),
            doc("part", "光谱分析仪器", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    assert_eq!(
        ids(&index, &q("主成分分析", Scope::Public)),
        ["spelled", "whole"]
    );
    let hits = index
        .search(&q("主成分分析", Scope::Public))
        .expect("search")
        .hits;
    assert_eq!(hits[0].id, "whole", "the whole word ranks first");
}

#[test]
fn snippets_show_the_passage_with_matches_and_fall_back_to_the_start() {
    let index = Index::in_ram().expect("index");
    let long = format!(
        "{}本项目研制了碳化硅功率器件。{}",
        "前言".repeat(60),
        "结尾".repeat(60)
    );
    index
        .upsert(&[SearchDoc {
            summary: long,
            ..doc("x", "功率模块", "published")
        }])
        .expect("upsert");
    index.commit(None).expect("commit");
    let hit = &index
        .search(&q("碳化硅", Scope::Public))
        .expect("search")
        .hits[0];
    assert!(
        hit.snippet_html.starts_with('…') && hit.snippet_html.ends_with('…'),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.contains("<mark>碳化硅</mark>"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.chars().count() < 120,
        "{}",
        hit.snippet_html
    );
    let hit = &index
        .search(&q("模块", Scope::Public))
        .expect("search")
        .hits[0];
    assert!(
        hit.snippet_html.starts_with("前言前言"),
        "{}",
        hit.snippet_html
    );
    assert_eq!(hit.title_html, "功率<mark>模块</mark>");
}

#[test]
fn a_query_of_single_characters_still_matches() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[
            SearchDoc {
                technical: "采用钽酸锂单晶薄膜".into(),
                ..doc("t", "声表面波滤波器", "published")
            },
            doc("p", "锂 钽 酸", "published"),
        ])
        .expect("upsert");
    index.commit(None).expect("commit");
    let words = index.segmenter().words("钽酸锂", false);
    assert!(words.iter().all(|w| w.chars().count() == 1), "{words:?}");
    assert_eq!(ids(&index, &q("钽酸锂", Scope::Public)), ["p"]);
    assert_eq!(ids(&index, &q("钽酸锂", Scope::Protected)), ["p", "t"]);
}

#[test]
fn answers_are_cached_until_the_index_changes() {
    let index = library();
    let query = q("锂电池", Scope::Public);
    let first = index.search(&query).expect("search");
    let again = index.search(&query).expect("search");
    assert_eq!(first, again);
    let stats = index.cache_stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    assert!(stats.bytes > 0);
    // Another page, scope or filter is another answer.
    let admin = index.search(&q("锂电池", Scope::Admin)).expect("search");
    assert_ne!(admin.total, first.total);
    assert_eq!(index.cache_stats().misses, 2);

    // A commit with nothing staged (the follower's periodic one) keeps the answers.
    index.commit(None).expect("commit");
    assert_eq!(index.search(&query).expect("search"), first);
    assert_eq!(index.cache_stats().hits, 2);

    // A commit of changes is a new state of the index: the next answer sees it.
    index
        .upsert(&[SearchDoc {
            summary: "新型锂电池隔膜".into(),
            ..doc("pub-new", "锂电池隔膜材料", "published")
        }])
        .expect("upsert");
    index.commit(None).expect("commit");
    let after = index.search(&query).expect("search");
    assert_eq!(after.total, first.total + 1);
    assert!(after.hits.iter().any(|h| h.id == "pub-new"));
    index.delete("pub-new").expect("delete");
    index.commit(None).expect("commit");
    assert_eq!(index.search(&query).expect("search").total, first.total);
}

#[test]
fn new_dictionary_words_are_not_answered_from_the_cache() {
    let index = Index::in_ram().expect("index");
    index
        .upsert(&[doc("d1", "量子点显示膜", "published")])
        .expect("upsert");
    index.commit(None).expect("commit");
    let query = q("量子点显示膜", Scope::Public);
    let before = index.search(&query).expect("search");
    assert_eq!(index.cache_stats().entries, 1);
    index.add_terms(&["量子点显示膜".to_string()]);
    assert_eq!(index.cache_stats().entries, 0);
    let after = index.search(&query).expect("search");
    assert_eq!(after.hits.len(), before.hits.len());
    assert_eq!(index.cache_stats().misses, 2);
}

#[test]
fn a_cache_of_zero_bytes_is_off() {
    let index = Index::in_ram_with(ztc_search::Options {
        cache_bytes: 0,
        ..ztc_search::Options::default()
    })
    .expect("index");
    index
        .upsert(&[doc("d1", "锂电池", "published")])
        .expect("upsert");
    index.commit(None).expect("commit");
    for _ in 0..3 {
        assert_eq!(
            index
                .search(&q("锂电池", Scope::Public))
                .expect("search")
                .total,
            1
        );
    }
    assert_eq!(index.cache_stats(), ztc_search::CacheStats::default());
}
