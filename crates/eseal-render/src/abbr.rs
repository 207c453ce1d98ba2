//! AbbreviatedData (GB/T 33190 §9.3.2, 路径的简写): `S`/`M` start a subpath, `L` a line, `Q` a
//! quadratic and `B` a cubic Bézier, `A` an elliptical arc (as in SVG, turned into cubics by
//! kurbo), `C` closes. Reading stops at the first command it cannot use, keeping the path so
//! far, and says so.

use tiny_skia::{Path, PathBuilder};

/// A path read from AbbreviatedData.
#[derive(Debug)]
pub struct Parsed {
    /// The path (`None` when nothing drawable was read).
    pub path: Option<Path>,
    /// Points read (counted against the page's budget).
    pub points: usize,
    /// What was not understood, if anything: (zh, en).
    pub problem: Option<(String, String)>,
}

/// Reads `text`, taking at most `max_points` points.
pub fn parse(text: &str, max_points: usize) -> Parsed {
    let mut pb = PathBuilder::new();
    let mut toks = text.split_whitespace().peekable();
    let mut points = 0usize;
    let mut problem = None;
    let mut cur = (0.0f32, 0.0f32);
    let mut start = (0.0f32, 0.0f32);
    let mut open = false;
    let num = |toks: &mut std::iter::Peekable<std::str::SplitWhitespace<'_>>| -> Option<f32> {
        toks.next()
            .and_then(|t| t.parse::<f32>().ok())
            .filter(|v| v.is_finite())
    };
    while let Some(cmd) = toks.next() {
        if points >= max_points {
            problem = Some((
                format!("路径超过 {max_points} 个点，其余部分未绘制"),
                format!("the path has more than {max_points} points; the rest is not drawn"),
            ));
            break;
        }
        let need = match cmd {
            "S" | "M" | "L" => 2,
            "Q" => 4,
            "B" => 6,
            "A" => 7,
            "C" => 0,
            other => {
                problem = Some((
                    format!("不认识的路径命令 {other:?}，其后部分未绘制"),
                    format!("unknown path command {other:?}; the rest is not drawn"),
                ));
                break;
            }
        };
        let mut v = [0.0f32; 7];
        let mut ok = true;
        for slot in v.iter_mut().take(need) {
            match num(&mut toks) {
                Some(x) => *slot = x,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            problem = Some((
                format!("路径命令 {cmd} 缺少数值，其后部分未绘制"),
                format!("path command {cmd} lacks its numbers; the rest is not drawn"),
            ));
            break;
        }
        points += need / 2 + 1;
        match cmd {
            "S" | "M" => {
                pb.move_to(v[0], v[1]);
                cur = (v[0], v[1]);
                start = cur;
                open = true;
            }
            "L" => {
                if !open {
                    pb.move_to(cur.0, cur.1);
                    open = true;
                }
                pb.line_to(v[0], v[1]);
                cur = (v[0], v[1]);
            }
            "Q" => {
                if !open {
                    pb.move_to(cur.0, cur.1);
                    open = true;
                }
                pb.quad_to(v[0], v[1], v[2], v[3]);
                cur = (v[2], v[3]);
            }
            "B" => {
                if !open {
                    pb.move_to(cur.0, cur.1);
                    open = true;
                }
                pb.cubic_to(v[0], v[1], v[2], v[3], v[4], v[5]);
                cur = (v[4], v[5]);
            }
            "A" => {
                if !open {
                    pb.move_to(cur.0, cur.1);
                    open = true;
                }
                let arc = kurbo::SvgArc {
                    from: kurbo::Point::new(f64::from(cur.0), f64::from(cur.1)),
                    to: kurbo::Point::new(f64::from(v[5]), f64::from(v[6])),
                    radii: kurbo::Vec2::new(f64::from(v[0]).abs(), f64::from(v[1]).abs()),
                    x_rotation: f64::from(v[2]).to_radians(),
                    large_arc: v[3] != 0.0,
                    sweep: v[4] != 0.0,
                };
                match kurbo::Arc::from_svg_arc(&arc) {
                    Some(a) => a.to_cubic_beziers(0.01, |p1, p2, p| {
                        pb.cubic_to(
                            p1.x as f32,
                            p1.y as f32,
                            p2.x as f32,
                            p2.y as f32,
                            p.x as f32,
                            p.y as f32,
                        );
                    }),
                    // Zero radii or equal ends: a straight line (as SVG says).
                    None => pb.line_to(v[5], v[6]),
                }
                cur = (v[5], v[6]);
            }
            _ => {
                if open {
                    pb.close();
                    cur = start;
                    open = false;
                }
            }
        }
    }
    Parsed {
        path: pb.finish(),
        points,
        problem,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_read() {
        let p = parse(
            "M 0 0 L 10 0 Q 10 10 0 10 B 0 5 5 5 5 0 A 2 2 0 0 1 9 0 C S 1 1 L 2 2",
            1000,
        );
        assert!(p.problem.is_none(), "{:?}", p.problem);
        let b = p.path.unwrap().bounds();
        assert!(b.left() <= 0.0 && b.right() >= 10.0 && b.bottom() >= 10.0);
    }

    #[test]
    fn bad_input_keeps_the_path_so_far_and_says_why() {
        let p = parse("M 0 0 L 10 0 L 10 10 Z 5 5", 1000);
        assert!(p.path.is_some());
        assert!(p.problem.unwrap().1.contains("\"Z\""));
        let p = parse("M 0 0 L 10", 1000);
        assert!(p.problem.unwrap().1.contains("lacks"));
        let many = "L 1 1 ".repeat(100);
        let p = parse(&format!("M 0 0 {many}"), 10);
        assert!(p.problem.unwrap().1.contains("more than 10 points"));
        assert!(parse("", 10).path.is_none());
    }
}
