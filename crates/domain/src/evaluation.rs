//! Expert evaluation (专业评价, SPEC §4.6): scores on five dimensions, an assessed
//! TRL, a declaration of conflict of interest and a recommendation; aggregated as
//! mean and spread per dimension. The aggregate decides whether an achievement may
//! enter the library.

use serde::{Deserialize, Serialize};

use crate::text::{FieldError, Invalid};

/// The dimensions scored, 1–10 each: the notices' 技术领先性, 产业化可行性,
/// 产业发展前景, and the IP and team strength the spec adds.
pub const DIMENSIONS: &[(&str, &str, &str)] = &[
    ("leadership", "技术领先性", "Technology leadership"),
    (
        "feasibility",
        "产业化可行性",
        "Industrialisation feasibility",
    ),
    ("prospects", "产业发展前景", "Industry prospects"),
    ("ip", "知识产权", "IP strength"),
    ("team", "团队", "Team"),
];

/// Fewest independent evaluations before a decision.
pub const MIN_EVALUATIONS: usize = 2;
/// Lowest mean score (over all dimensions) for publication.
pub const PASS_MEAN: f64 = 6.0;

string_enum! {
    Recommendation {
        Recommend => "recommend", "建议入库", "Recommend";
        Revise => "revise", "修改后再议", "Revise first";
        Reject => "reject", "不建议入库", "Do not recommend";
    }
}

/// One expert's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Set when the expert declares a conflict of interest: no scores then.
    pub conflict: bool,
    pub conflict_note: Option<String>,
    /// Scores in the order of [`DIMENSIONS`].
    pub scores: Vec<u8>,
    pub trl: Option<u8>,
    pub recommendation: Option<Recommendation>,
    pub comment: Option<String>,
}

/// The form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EvaluationForm {
    pub conflict: String,
    pub conflict_note: String,
    pub leadership: String,
    pub feasibility: String,
    pub prospects: String,
    pub ip: String,
    pub team: String,
    pub trl: String,
    pub recommendation: String,
    pub comment: String,
}

impl EvaluationForm {
    fn score(&self, key: &str) -> &str {
        match key {
            "leadership" => &self.leadership,
            "feasibility" => &self.feasibility,
            "prospects" => &self.prospects,
            "ip" => &self.ip,
            _ => &self.team,
        }
    }
}

pub fn validate(f: &EvaluationForm) -> Result<Evaluation, Invalid> {
    let mut inv = Invalid::default();
    let conflict = matches!(f.conflict.trim(), "on" | "1" | "true" | "yes");
    let comment = inv
        .check(crate::text::optional_multiline(
            "comment",
            "评价意见",
            &f.comment,
            2000,
        ))
        .flatten();
    if conflict {
        let note = inv.check(crate::text::required(
            "conflict_note",
            "利益冲突说明",
            &f.conflict_note,
            300,
        ));
        return inv.into_result().map(|()| Evaluation {
            conflict: true,
            conflict_note: note,
            scores: Vec::new(),
            trl: None,
            recommendation: None,
            comment,
        });
    }
    let mut scores = Vec::new();
    for (key, zh, _) in DIMENSIONS {
        match f.score(key).trim().parse::<u8>() {
            Ok(n @ 1..=10) => scores.push(n),
            _ => inv
                .push(FieldError::new("score_invalid", format!("请为“{zh}”打 1 到 10 分")).on(key)),
        }
    }
    let trl = match f.trl.trim().parse::<u8>() {
        Ok(n @ 1..=9) => Some(n),
        _ => {
            inv.push(FieldError::new("trl_invalid", "请评定技术就绪水平（1 到 9 级）").on("trl"));
            None
        }
    };
    let recommendation = Recommendation::parse(f.recommendation.trim());
    if recommendation.is_none() {
        inv.push(FieldError::new("choice_invalid", "请选择评价结论").on("recommendation"));
    }
    inv.into_result().map(|()| Evaluation {
        conflict: false,
        conflict_note: None,
        scores,
        trl,
        recommendation,
        comment,
    })
}

/// Mean and spread of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    /// Population standard deviation: how far the experts disagree.
    pub spread: f64,
    pub min: u8,
    pub max: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// Evaluations that count (conflicts excluded).
    pub count: usize,
    pub conflicts: usize,
    /// One per dimension, in the order of [`DIMENSIONS`]; empty when `count` is 0.
    pub dimensions: Vec<Stat>,
    pub overall: Option<f64>,
    pub trl_mean: Option<f64>,
    pub recommend: usize,
    pub revise: usize,
    pub reject: usize,
}

fn stat(values: &[u8]) -> Stat {
    let n = values.len() as f64;
    let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|v| (f64::from(*v) - mean).powi(2))
        .sum::<f64>()
        / n;
    Stat {
        mean: (mean * 100.0).round() / 100.0,
        spread: (var.sqrt() * 100.0).round() / 100.0,
        min: values.iter().copied().min().unwrap_or(0),
        max: values.iter().copied().max().unwrap_or(0),
    }
}

pub fn aggregate(evals: &[Evaluation]) -> Aggregate {
    let valid: Vec<&Evaluation> = evals
        .iter()
        .filter(|e| !e.conflict && e.scores.len() == DIMENSIONS.len())
        .collect();
    let dimensions: Vec<Stat> = if valid.is_empty() {
        Vec::new()
    } else {
        (0..DIMENSIONS.len())
            .map(|d| stat(&valid.iter().map(|e| e.scores[d]).collect::<Vec<_>>()))
            .collect()
    };
    let overall = (!dimensions.is_empty()).then(|| {
        let m = dimensions.iter().map(|s| s.mean).sum::<f64>() / dimensions.len() as f64;
        (m * 100.0).round() / 100.0
    });
    let trls: Vec<f64> = valid.iter().filter_map(|e| e.trl.map(f64::from)).collect();
    let count_of = |r: Recommendation| valid.iter().filter(|e| e.recommendation == Some(r)).count();
    Aggregate {
        count: valid.len(),
        conflicts: evals.iter().filter(|e| e.conflict).count(),
        dimensions,
        overall,
        trl_mean: (!trls.is_empty())
            .then(|| (trls.iter().sum::<f64>() / trls.len() as f64 * 10.0).round() / 10.0),
        recommend: count_of(Recommendation::Recommend),
        revise: count_of(Recommendation::Revise),
        reject: count_of(Recommendation::Reject),
    }
}

/// What the aggregate says, with the reason in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Not enough independent evaluations yet.
    Pending(String),
    Publish,
    /// Return to the holder (or reject), with why.
    NotPublishable(String),
}

pub fn verdict(a: &Aggregate) -> Verdict {
    if a.count < MIN_EVALUATIONS {
        return Verdict::Pending(format!(
            "已有 {} 份有效评价，至少需要 {MIN_EVALUATIONS} 份",
            a.count
        ));
    }
    let overall = a.overall.unwrap_or(0.0);
    if a.recommend * 2 <= a.count {
        return Verdict::NotPublishable(format!(
            "建议入库的专家未过半数（{}/{}）",
            a.recommend, a.count
        ));
    }
    if overall < PASS_MEAN {
        return Verdict::NotPublishable(format!("综合平均分 {overall:.2} 低于 {PASS_MEAN}"));
    }
    Verdict::Publish
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(scores: [&str; 5], trl: &str, rec: &str) -> EvaluationForm {
        EvaluationForm {
            leadership: scores[0].into(),
            feasibility: scores[1].into(),
            prospects: scores[2].into(),
            ip: scores[3].into(),
            team: scores[4].into(),
            trl: trl.into(),
            recommendation: rec.into(),
            ..EvaluationForm::default()
        }
    }

    #[test]
    fn scores_are_checked() {
        assert!(validate(&form(["8", "7", "9", "6", "7"], "6", "recommend")).is_ok());
        let e = validate(&form(["0", "11", "x", "", "7"], "10", "maybe")).unwrap_err();
        for f in [
            "leadership",
            "feasibility",
            "prospects",
            "ip",
            "trl",
            "recommendation",
        ] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
        let conflict = EvaluationForm {
            conflict: "on".into(),
            ..EvaluationForm::default()
        };
        assert_eq!(
            validate(&conflict)
                .unwrap_err()
                .for_field("conflict_note")
                .unwrap()
                .code,
            "field_required"
        );
        let declared = validate(&EvaluationForm {
            conflict: "on".into(),
            conflict_note: "曾与持有人合作".into(),
            ..EvaluationForm::default()
        })
        .unwrap();
        assert!(declared.conflict && declared.scores.is_empty());
    }

    #[test]
    fn aggregate_shows_mean_and_disagreement() {
        let a = validate(&form(["9", "8", "8", "7", "8"], "6", "recommend")).unwrap();
        let b = validate(&form(["5", "8", "6", "7", "8"], "7", "recommend")).unwrap();
        let c = validate(&EvaluationForm {
            conflict: "on".into(),
            conflict_note: "同单位".into(),
            ..EvaluationForm::default()
        })
        .unwrap();
        let agg = aggregate(&[a, b, c]);
        assert_eq!((agg.count, agg.conflicts), (2, 1));
        assert_eq!(
            agg.dimensions[0],
            Stat {
                mean: 7.0,
                spread: 2.0,
                min: 5,
                max: 9
            }
        );
        assert_eq!(agg.dimensions[1].spread, 0.0);
        assert_eq!(agg.trl_mean, Some(6.5));
        assert_eq!(verdict(&agg), Verdict::Publish);
    }

    #[test]
    fn verdicts() {
        let good = validate(&form(["8", "8", "8", "8", "8"], "6", "recommend")).unwrap();
        let weak = validate(&form(["4", "4", "4", "4", "4"], "3", "reject")).unwrap();
        assert!(matches!(
            verdict(&aggregate(std::slice::from_ref(&good))),
            Verdict::Pending(_)
        ));
        assert!(
            matches!(
                verdict(&aggregate(&[good.clone(), weak.clone()])),
                Verdict::NotPublishable(_)
            ),
            "no majority"
        );
        let lukewarm = validate(&form(["5", "5", "5", "6", "5"], "5", "recommend")).unwrap();
        assert!(
            matches!(
                verdict(&aggregate(&[lukewarm.clone(), lukewarm])),
                Verdict::NotPublishable(_)
            ),
            "mean below the bar"
        );
        assert!(matches!(
            verdict(&aggregate(&[good.clone(), good])),
            Verdict::Publish
        ));
    }
}
