//! The summary's charts, drawn by plotters as SVG. Text stays `<text>` (no font files), and
//! plotters escapes it.

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::labels::{lines_needed, wrap, LINE_PX};
use crate::ExportError;

const HEIGHT: u32 = 300;

/// Room on either side of the plot: the margin twice and the y labels.
const FRAME: u32 = 16 * 2 + 44;
const FONT: &str = "sans-serif";

/// A named series of counts, one per label.
pub(crate) struct Series<'a> {
    pub(crate) name: &'a str,
    pub(crate) colour: RGBColor,
    pub(crate) values: Vec<usize>,
}

fn drawing<E: std::fmt::Display>(e: E) -> ExportError {
    ExportError::Chart(e.to_string())
}

fn width(n: usize) -> u32 {
    u32::try_from((160 + 90 * n).clamp(520, 1200)).unwrap_or(1200)
}

/// About the pixels of one label's slot among `n`.
fn slot(n: usize) -> u32 {
    width(n).saturating_sub(FRAME) / count(n.max(1))
}

/// The chart's size and the height of its label area for `labels` wrapped in their slots.
fn frame(labels: &[String]) -> ((u32, u32), u32) {
    let n = labels.len().max(1);
    let extra = count(lines_needed(labels, slot(n)) - 1) * LINE_PX;
    ((width(n), HEIGHT + extra), 36 + extra)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Draws each label centred under its slot (`at`: the slot centre on the x axis, in pixels),
/// wrapped to the slot's width so that neighbours never overlap.
fn draw_labels(root: &Area<'_>, labels: &[String], at: &[(i32, i32)]) -> Result<(), ExportError> {
    let room = slot(labels.len());
    let style = (FONT, 13).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    for (label, &(x, y)) in labels.iter().zip(at) {
        for (k, line) in (0i32..).zip(wrap(label, room)) {
            let y = y + 6 + k * i32::try_from(LINE_PX).unwrap_or(16);
            root.draw(&Text::new(line, (x, y), style.clone())).map_err(drawing)?;
        }
    }
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The y axis top: a little above the largest value, at least 1.
fn top(values: impl Iterator<Item = usize>) -> u32 {
    let max = count(values.max().unwrap_or(0)).max(1);
    max.saturating_add((max / 5).max(1))
}

/// Lines with markers, one per series, over `labels` (the weeks), with a legend.
pub(crate) fn lines(labels: &[String], series: &[Series<'_>]) -> Result<String, ExportError> {
    let n = labels.len().max(1);
    let mut svg = String::new();
    {
        let (size, label_area) = frame(labels);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let y_max = top(series.iter().flat_map(|s| s.values.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(label_area)
            .y_label_area_size(44)
            .build_cartesian_2d((0..count(n)).into_segmented(), 0..y_max)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|_| String::new())
            .label_style((FONT, 13))
            .draw()
            .map_err(drawing)?;
        let at: Vec<(i32, i32)> =
            (0..n).map(|i| chart.backend_coord(&(SegmentValue::CenterOf(count(i)), 0))).collect();
        draw_labels(&root, labels, &at)?;
        for s in series {
            let points: Vec<(SegmentValue<u32>, u32)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (SegmentValue::CenterOf(count(i)), count(*v)))
                .collect();
            let colour = s.colour;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    points.clone(),
                    colour.stroke_width(2),
                )))
                .map_err(drawing)?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|p| Circle::new(p.clone(), 4, colour.filled())))
                .map_err(drawing)?;
            let above =
                (FONT, 12).into_font().color(&colour).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|(x, y)| Text::new(y.to_string(), (x.clone(), *y), above.clone())),
                )
                .map_err(drawing)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// One bar per label, its value written above it.
pub(crate) fn bars(
    labels: &[String],
    values: &[usize],
    colour: RGBColor,
) -> Result<String, ExportError> {
    let n = labels.len().max(1);
    let mut svg = String::new();
    {
        let (size, label_area) = frame(labels);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let y_max = top(values.iter().copied());
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(label_area)
            .y_label_area_size(44)
            .build_cartesian_2d((0..count(n)).into_segmented(), 0..y_max)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|_| String::new())
            .label_style((FONT, 13))
            .draw()
            .map_err(drawing)?;
        let at: Vec<(i32, i32)> =
            (0..n).map(|i| chart.backend_coord(&(SegmentValue::CenterOf(count(i)), 0))).collect();
        draw_labels(&root, labels, &at)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let i = count(i);
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0), (SegmentValue::Exact(i + 1), count(*v))],
                    colour.filled(),
                );
                bar.set_margin(0, 0, 10, 10);
                bar
            }))
            .map_err(drawing)?;
        let above = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Text::new(
                    v.to_string(),
                    (SegmentValue::CenterOf(count(i)), count(*v)),
                    above.clone(),
                )
            }))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// Bars side by side, one per series in every label's slot (the weeks), each with its value
/// written above it, and a legend.
pub(crate) fn grouped_bars(
    labels: &[String],
    series: &[Series<'_>],
) -> Result<String, ExportError> {
    let n = labels.len().max(1);
    let mut svg = String::new();
    {
        let (size, label_area) = frame(labels);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let y_max = top(series.iter().flat_map(|s| s.values.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(label_area)
            .y_label_area_size(44)
            .build_cartesian_2d((0..count(n)).into_segmented(), 0..y_max)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|_| String::new())
            .label_style((FONT, 13))
            .draw()
            .map_err(drawing)?;
        let at: Vec<(i32, i32)> =
            (0..n).map(|i| chart.backend_coord(&(SegmentValue::CenterOf(count(i)), 0))).collect();
        draw_labels(&root, labels, &at)?;
        // A slot's width in pixels, shared by the series' bars with a gap on either side.
        let slot = {
            let a = chart.backend_coord(&(SegmentValue::Exact(0), 0));
            let b = chart.backend_coord(&(SegmentValue::Exact(1), 0));
            u32::try_from((b.0 - a.0).abs()).unwrap_or(0)
        };
        let k = u32::try_from(series.len().max(1)).unwrap_or(1);
        let gap = (slot / 6).max(2);
        let bar = (slot.saturating_sub(2 * gap) / k).max(1);
        for (s, one) in series.iter().enumerate() {
            let left = gap + count(s) * bar;
            let right = slot.saturating_sub(left + bar);
            let colour = one.colour;
            chart
                .draw_series(one.values.iter().enumerate().map(|(i, v)| {
                    let i = count(i);
                    let mut rect = Rectangle::new(
                        [(SegmentValue::Exact(i), 0), (SegmentValue::Exact(i + 1), count(*v))],
                        colour.filled(),
                    );
                    rect.set_margin(0, 0, left, right);
                    rect
                }))
                .map_err(drawing)?
                .label(one.name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
            // The value above the bar's middle: from the slot's centre, shifted to the bar's.
            let shift =
                i32::try_from(left + bar / 2).unwrap_or(0) - i32::try_from(slot / 2).unwrap_or(0);
            let above =
                (FONT, 11).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(one.values.iter().enumerate().map(|(i, v)| {
                    EmptyElement::at((SegmentValue::CenterOf(count(i)), count(*v)))
                        + Text::new(v.to_string(), (shift, -1), above.clone())
                }))
                .map_err(drawing)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}
