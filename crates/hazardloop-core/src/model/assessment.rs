//! Risk assessment (风险评估): LEC and LS scores, their bands, the four colours and the grade.

use serde::{Deserialize, Serialize};

use crate::model::{named_enum, InputError};

/// Hazard grade (隐患等级).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 一般事故隐患: can be removed soon after discovery; the department head organises the fix.
    General,
    /// 重大事故隐患: needs stoppage and time, or the unit cannot remove it alone; the principal owns a plan.
    Major,
}

named_enum!(Grade {
    General => ("一般隐患", "general"),
    Major => ("重大隐患", "major"),
});

/// The four risk colours (四色风险分级), most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskColour {
    /// 红色 重大风险.
    Red,
    /// 橙色 较大风险.
    Orange,
    /// 黄色 一般风险.
    Yellow,
    /// 蓝色 低风险.
    Blue,
}

named_enum!(RiskColour {
    Red => ("重大风险(红)", "red"),
    Orange => ("较大风险(橙)", "orange"),
    Yellow => ("一般风险(黄)", "yellow"),
    Blue => ("低风险(蓝)", "blue"),
});

/// The legal values of the LEC likelihood factor L.
pub const LEC_L: [f64; 7] = [10.0, 6.0, 3.0, 1.0, 0.5, 0.2, 0.1];
/// The legal values of the LEC exposure factor E.
pub const LEC_E: [f64; 6] = [10.0, 6.0, 3.0, 2.0, 1.0, 0.5];
/// The legal values of the LEC consequence factor C.
pub const LEC_C: [f64; 6] = [100.0, 40.0, 15.0, 7.0, 3.0, 1.0];

/// An assessment method with its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// 作业条件危险性评价法: D = L × E × C, each factor from its legal table.
    Lec {
        /// Likelihood (事故发生的可能性).
        l: f64,
        /// Exposure (暴露于危险环境的频繁程度).
        e: f64,
        /// Consequence (发生事故产生的后果).
        c: f64,
    },
    /// 风险矩阵法: R = L × S, each from 1 to 5.
    Ls {
        /// Likelihood, 1..=5.
        l: u8,
        /// Severity, 1..=5.
        s: u8,
    },
    /// The assessor's direct judgement of the colour, without a score.
    Judgement {
        /// The colour judged.
        colour: RiskColour,
    },
}

/// LEC danger band of a score D (fixed by the method).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LecBand {
    /// D > 320: 极其危险，不能继续作业.
    Extreme,
    /// 160 < D ≤ 320: 高度危险，需立即整改.
    High,
    /// 70 < D ≤ 160: 显著危险，需要整改.
    Significant,
    /// 20 < D ≤ 70: 一般危险，需要注意.
    General,
    /// D ≤ 20: 稍有危险，可以接受.
    Acceptable,
}

named_enum!(LecBand {
    Extreme => ("极其危险", "extremely dangerous"),
    High => ("高度危险", "highly dangerous"),
    Significant => ("显著危险", "significant danger"),
    General => ("一般危险", "general danger"),
    Acceptable => ("稍有危险", "acceptable"),
});

impl LecBand {
    /// The band of a score.
    pub fn of(d: f64) -> LecBand {
        match d {
            d if d > 320.0 => LecBand::Extreme,
            d if d > 160.0 => LecBand::High,
            d if d > 70.0 => LecBand::Significant,
            d if d > 20.0 => LecBand::General,
            _ => LecBand::Acceptable,
        }
    }
}

/// One colour band: a score strictly above `above` gets `colour` (bands are checked from the top).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourBand {
    /// Scores strictly above this value get the colour.
    pub above: f64,
    /// The colour.
    pub colour: RiskColour,
}

/// Colour bands for a scoring method, highest first; a score below every band is blue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bands(pub Vec<ColourBand>);

impl Bands {
    /// DOMAIN default for LEC: > 320 red, > 160 orange, > 70 yellow, else blue.
    pub fn lec_default() -> Bands {
        Bands::from_pairs(&[
            (320.0, RiskColour::Red),
            (160.0, RiskColour::Orange),
            (70.0, RiskColour::Yellow),
        ])
    }

    /// Common default for the 5 × 5 LS matrix: > 16 red, > 12 orange, > 8 yellow, else blue.
    pub fn ls_default() -> Bands {
        Bands::from_pairs(&[
            (16.0, RiskColour::Red),
            (12.0, RiskColour::Orange),
            (8.0, RiskColour::Yellow),
        ])
    }

    fn from_pairs(pairs: &[(f64, RiskColour)]) -> Bands {
        Bands(pairs.iter().map(|&(above, colour)| ColourBand { above, colour }).collect())
    }

    /// The colour of `score`.
    pub fn colour(&self, score: f64) -> RiskColour {
        self.0.iter().find(|b| score > b.above).map_or(RiskColour::Blue, |b| b.colour)
    }

    /// Checks that thresholds strictly decrease and are finite; errors name `path[i].above`.
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        for (i, band) in self.0.iter().enumerate() {
            if !band.above.is_finite() {
                return Err(InputError::Malformed {
                    field: format!("{path}[{i}].above"),
                    reason: "must be a finite number".into(),
                });
            }
            if i > 0 && band.above >= self.0[i - 1].above {
                return Err(InputError::OutOfOrder {
                    field: format!("{path}[{i}].above"),
                    reason: "bands must be listed from the highest threshold down".into(),
                });
            }
        }
        Ok(())
    }
}

/// A completed assessment: the method and inputs, the score, and the colour it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The method and its inputs.
    pub method: Method,
    /// D (LEC) or R (LS); `None` for a direct judgement.
    pub score: Option<f64>,
    /// The resulting colour.
    pub colour: RiskColour,
}

impl Assessment {
    /// Validates the inputs against the method's legal values and scores them with `lec`/`ls` bands.
    ///
    /// An illegal LEC factor (say L = 4) is an [`InputError::NotAllowed`] naming `assessment.l`.
    pub fn score(method: Method, lec: &Bands, ls: &Bands) -> Result<Assessment, InputError> {
        match method {
            Method::Lec { l, e, c } => {
                legal("assessment.l", l, &LEC_L)?;
                legal("assessment.e", e, &LEC_E)?;
                legal("assessment.c", c, &LEC_C)?;
                let d = l * e * c;
                Ok(Assessment { method, score: Some(d), colour: lec.colour(d) })
            }
            Method::Ls { l, s } => {
                for (field, v) in [("assessment.l", l), ("assessment.s", s)] {
                    if !(1..=5).contains(&v) {
                        return Err(InputError::NotAllowed {
                            field: field.into(),
                            value: v.to_string(),
                            allowed: "1, 2, 3, 4, 5".into(),
                        });
                    }
                }
                let r = f64::from(l) * f64::from(s);
                Ok(Assessment { method, score: Some(r), colour: ls.colour(r) })
            }
            Method::Judgement { colour } => Ok(Assessment { method, score: None, colour }),
        }
    }

    /// The LEC band, when the method is LEC.
    pub fn lec_band(&self) -> Option<LecBand> {
        match self.method {
            Method::Lec { .. } => self.score.map(LecBand::of),
            _ => None,
        }
    }
}

fn legal(field: &str, value: f64, allowed: &[f64]) -> Result<(), InputError> {
    if allowed.iter().any(|a| (a - value).abs() < 1e-9) {
        return Ok(());
    }
    Err(InputError::NotAllowed {
        field: field.into(),
        value: value.to_string(),
        allowed: allowed.iter().map(f64::to_string).collect::<Vec<_>>().join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lec(l: f64, e: f64, c: f64) -> Result<Assessment, InputError> {
        Assessment::score(Method::Lec { l, e, c }, &Bands::lec_default(), &Bands::ls_default())
    }

    #[test]
    fn illegal_lec_factor_is_rejected_naming_the_factor() {
        let err = lec(4.0, 6.0, 15.0).unwrap_err();
        assert_eq!(err.field(), "assessment.l");
        assert_eq!(lec(3.0, 6.0, 20.0).unwrap_err().field(), "assessment.c");
    }

    #[test]
    fn lec_score_is_the_product_and_maps_to_the_domain_colours() {
        let a = lec(6.0, 6.0, 15.0).unwrap(); // 540
        assert_eq!(
            (a.score, a.colour, a.lec_band()),
            (Some(540.0), RiskColour::Red, Some(LecBand::Extreme))
        );
        assert_eq!(lec(3.0, 6.0, 15.0).unwrap().colour, RiskColour::Orange); // 270
        assert_eq!(lec(1.0, 6.0, 15.0).unwrap().colour, RiskColour::Yellow); // 90
        assert_eq!(lec(1.0, 6.0, 7.0).unwrap().colour, RiskColour::Blue); // 42
                                                                          // 320 itself is "highly dangerous", not extreme.
        assert_eq!(LecBand::of(320.0), LecBand::High);
        assert_eq!(LecBand::of(20.0), LecBand::Acceptable);
    }

    #[test]
    fn ls_bands_are_configurable() {
        let strict = Bands(vec![ColourBand { above: 4.0, colour: RiskColour::Red }]);
        let a =
            Assessment::score(Method::Ls { l: 2, s: 3 }, &Bands::lec_default(), &strict).unwrap();
        assert_eq!(a.colour, RiskColour::Red);
        let err = Assessment::score(Method::Ls { l: 6, s: 1 }, &Bands::lec_default(), &strict);
        assert_eq!(err.unwrap_err().field(), "assessment.l");
    }

    #[test]
    fn every_method_round_trips_through_json() {
        for method in [
            Method::Lec { l: 0.1, e: 0.5, c: 7.0 },
            Method::Ls { l: 2, s: 5 },
            Method::Judgement { colour: RiskColour::Yellow },
        ] {
            let a = Assessment::score(method, &Bands::lec_default(), &Bands::ls_default()).unwrap();
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Assessment>(&json).unwrap(), a, "{json}");
        }
    }

    #[test]
    fn bands_out_of_order_name_the_band() {
        let bands = Bands(vec![
            ColourBand { above: 10.0, colour: RiskColour::Red },
            ColourBand { above: 12.0, colour: RiskColour::Orange },
        ]);
        assert_eq!(
            bands.validate("assessment.ls_bands").unwrap_err().field(),
            "assessment.ls_bands[1].above"
        );
    }
}
