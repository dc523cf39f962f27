#include "report/chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace at::report {
namespace {

// Geometry (pixels): the plot area inside the chart, and the legend rows below it.
constexpr double kLeft = 72, kRight = kChartWidth - 18, kTop = 34, kHeight = 230;
constexpr double kBottom = kTop + kHeight;
constexpr double kLegendTop = kBottom + 48, kLegendRow = 18;
constexpr double kCharWidth = 6.6;  // of the 12px sans-serif text, for the legend layout

struct Axis {
  double lo, hi, step;
  double scale = 1;     // display value = value / scale
  std::string unit;     // appended to the label
};

double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double f : {1.0, 2.0, 2.5, 5.0})
    if (raw <= f * mag * 1.0000001) return f * mag;
  return 10 * mag;
}

Axis make_axis(double lo, double hi, bool integer, bool from_zero) {
  if (from_zero) lo = std::min(lo, 0.0);
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= integer ? 1 : pad, hi += integer ? 1 : pad;
  }
  Axis a;
  a.step = nice_step(hi - lo, 5);
  if (integer) {
    a.step = std::max(1.0, std::round(a.step));
    a.lo = lo - 0.5, a.hi = hi + 0.5;  // integer values sit off the frame
  } else {
    a.lo = std::floor(lo / a.step + 1e-9) * a.step;
    a.hi = std::ceil(hi / a.step - 1e-9) * a.step;
  }
  return a;
}

// Decimals that show every multiple of `step` exactly (2.5 -> 1, 0.25 -> 2).
int decimals_for(double step) {
  for (int d = 0; d < 6; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * scaled) return d;
  }
  return 6;
}

// A tick label of an axis: thousands as k, millions as M (by the axis' largest value, so all
// labels agree), with the decimals the step needs.
std::string number(double v, const Axis& a) {
  char buf[32];
  const double top = std::max(std::fabs(a.lo), std::fabs(a.hi)), step = a.step;
  const double unit = top >= 1e6 ? 1e6 : top >= 1e4 ? 1e3 : 1;
  const char* suffix = unit == 1e6 ? "M" : unit == 1e3 ? "k" : "";
  if (std::fabs(v) < step * 1e-6) v = 0;
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals_for(step / unit), v / unit, v == 0 ? "" : suffix);
  return buf;
}

std::string fixed1(double v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct Frame {
  Axis x, y;
  double px(double v) const { return kLeft + (v / x.scale - x.lo) / (x.hi - x.lo) * (kRight - kLeft); }
  double py(double v) const { return kBottom - (v - y.lo) / (y.hi - y.lo) * kHeight; }
};

void marker(std::ostream& o, const std::string& shape, double x, double y, const std::string& colour,
            const std::string& tip) {
  const std::string style = " fill=\"" + colour + "\" stroke=\"#ffffff\" stroke-width=\"1\"";
  const std::string X = fixed1(x), Y = fixed1(y);
  if (shape == "square") {
    o << "<rect x=\"" << fixed1(x - 4) << "\" y=\"" << fixed1(y - 4) << "\" width=\"8\" height=\"8\"" << style;
  } else if (shape == "diamond") {
    o << "<polygon points=\"" << X << "," << fixed1(y - 5.5) << " " << fixed1(x + 5.5) << "," << Y << " " << X << ","
      << fixed1(y + 5.5) << " " << fixed1(x - 5.5) << "," << Y << "\"" << style;
  } else if (shape == "triangle") {
    o << "<polygon points=\"" << X << "," << fixed1(y - 5.5) << " " << fixed1(x + 5) << "," << fixed1(y + 4) << " "
      << fixed1(x - 5) << "," << fixed1(y + 4) << "\"" << style;
  } else {
    o << "<circle cx=\"" << X << "\" cy=\"" << Y << "\" r=\"4.5\"" << style;
  }
  if (tip.empty()) {
    o << "/>";
  } else {
    o << "><title>" << escape(tip) << "</title></" << (shape == "square" ? "rect" : shape == "circle" ? "circle" : "polygon")
      << ">";
  }
}

void draw_series(std::ostream& o, const Series& s, const Frame& f) {
  const bool thinned = s.style != Series::Markers || s.points.size() > 4 * size_t(kPlotColumns);
  const std::vector<Point> pts = thinned ? thin(s.points, kPlotColumns) : s.points;
  o << "<g class=\"series\" data-series=\"" << escape(s.name) << "\" data-style=\"" << int(s.style) << "\" data-points=\""
    << s.points.size() << "\" data-drawn=\"" << pts.size() << "\">";
  if (s.style == Series::Markers) {
    for (size_t i = 0; i < pts.size(); ++i)
      marker(o, s.marker, f.px(pts[i].x), f.py(pts[i].y), s.colour, pts.size() == s.tips.size() ? s.tips[i] : "");
  } else if (!pts.empty()) {
    o << "<path fill=\"none\" stroke=\"" << s.colour << "\" stroke-width=\""
      << (s.style == Series::Faint ? "1" : "2") << "\" stroke-linejoin=\"round\""
      << (s.style == Series::Faint ? " stroke-opacity=\"0.35\"" : "")
      << (s.dash.empty() ? "" : " stroke-dasharray=\"" + s.dash + "\"") << " d=\"M" << fixed1(f.px(pts[0].x)) << ","
      << fixed1(f.py(pts[0].y));
    for (size_t i = 1; i < pts.size(); ++i) {
      if (s.style == Series::Step) o << " H" << fixed1(f.px(pts[i].x)) << " V" << fixed1(f.py(pts[i].y));
      else o << " L" << fixed1(f.px(pts[i].x)) << "," << fixed1(f.py(pts[i].y));
    }
    if (s.style == Series::Step && s.step_end > pts.back().x) o << " H" << fixed1(f.px(s.step_end));
    o << "\"/>";
    if (s.style == Series::Line && pts.size() <= 60)  // sparse: show where the measurements are
      for (const Point& p : pts)
        o << "<circle cx=\"" << fixed1(f.px(p.x)) << "\" cy=\"" << fixed1(f.py(p.y)) << "\" r=\"2.5\" fill=\"" << s.colour << "\"/>";
  }
  o << "</g>\n";
}

void legend_swatch(std::ostream& o, double x, double y, const Series* s, const HLine* h) {
  if (s && s->style == Series::Markers) {
    marker(o, s->marker, x + 11, y, s->colour, "");
    return;
  }
  const std::string colour = s ? s->colour : h->colour;
  o << "<line x1=\"" << fixed1(x) << "\" y1=\"" << fixed1(y) << "\" x2=\"" << fixed1(x + 22) << "\" y2=\"" << fixed1(y)
    << "\" stroke=\"" << colour << "\" stroke-width=\"2\"";
  if (s && s->style == Series::Faint) o << " stroke-opacity=\"0.35\"";
  if (h) o << " stroke-dasharray=\"6 3\"";
  else if (!s->dash.empty()) o << " stroke-dasharray=\"" << s->dash << "\"";
  o << "/>";
}

// Entries flow left to right and wrap; returns the number of rows.
int draw_legend(std::ostream& o, const Chart& c) {
  double x = kLeft, y = kLegendTop;
  int rows = 0;
  auto entry = [&](const std::string& text, const Series* s, const HLine* h) {
    const double width = 30 + text.size() * kCharWidth + 16;
    if (rows == 0) rows = 1;
    if (x > kLeft && x + width > kChartWidth - 8) x = kLeft, y += kLegendRow, ++rows;
    legend_swatch(o, x, y, s, h);
    o << "<text x=\"" << fixed1(x + 28) << "\" y=\"" << fixed1(y + 4) << "\">" << escape(text) << "</text>";
    x += width;
  };
  for (const Series& s : c.series)
    if (!s.name.empty()) entry(s.name, &s, nullptr);
  for (const HLine& h : c.lines) entry(h.label, nullptr, &h);
  return rows;
}

}  // namespace

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::vector<Point> thin(const std::vector<Point>& points, int buckets) {
  if (points.size() <= size_t(4 * buckets)) return points;
  const double x0 = points.front().x, x1 = points.back().x;
  const double width = x1 > x0 ? (x1 - x0) / buckets : 1;
  std::vector<Point> out;
  size_t i = 0;
  while (i < points.size()) {
    const long b = std::min<long>(buckets - 1, long((points[i].x - x0) / width));
    size_t lo = i, hi = i, j = i;
    for (; j < points.size() && std::min<long>(buckets - 1, long((points[j].x - x0) / width)) == b; ++j) {
      if (points[j].y < points[lo].y) lo = j;
      if (points[j].y > points[hi].y) hi = j;
    }
    size_t keep[4] = {i, std::min(lo, hi), std::max(lo, hi), j - 1};
    for (int k = 0; k < 4; ++k)
      if (k == 0 || keep[k] != keep[k - 1]) out.push_back(points[keep[k]]);
    i = j;
  }
  return out;
}

std::vector<Point> smooth(const std::vector<Point>& points) {
  const size_t n = points.size();
  const size_t half = n < 20 ? 0 : std::max<size_t>(1, n / 100);
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + points[i].y;
  std::vector<Point> out(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t a = i >= half ? i - half : 0, b = std::min(n, i + half + 1);
    out[i] = {points[i].x, (prefix[b] - prefix[a]) / double(b - a)};
  }
  return out;
}

std::string render_svg(const Chart& c) {
  double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
  for (const Series& s : c.series) {
    for (const Point& p : s.points) {
      xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
    }
    if (s.style == Series::Step) xmax = std::max(xmax, s.step_end);
  }
  for (const HLine& h : c.lines) ymin = std::min(ymin, h.y), ymax = std::max(ymax, h.y);
  if (xmin > xmax) xmin = 0, xmax = 1;
  if (ymin > ymax) ymin = 0, ymax = 1;
  Frame f;
  double scale = 1;
  std::string unit;
  if (c.x_time) {
    scale = xmax < 180 ? 1 : xmax < 3 * 3600 ? 60 : 3600;
    unit = scale == 1 ? "s" : scale == 60 ? "min" : "h";
  }
  f.x = make_axis(c.x_time ? 0 : xmin / scale, xmax / scale, false, c.x_time);
  f.x.scale = scale;
  f.x.unit = unit;
  f.y = make_axis(ymin, ymax, c.y_integer, false);

  std::ostringstream body;
  const int rows = draw_legend(body, c);
  const double height = kLegendTop + std::max(rows, 1) * kLegendRow;
  std::ostringstream o;
  o << "<svg class=\"chart\" data-chart=\"" << escape(c.id) << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << kChartWidth << "\" height=\"" << height << "\" viewBox=\"0 0 " << kChartWidth << " " << height
    << "\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222\">\n";
  o << "<text x=\"" << kLeft << "\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << escape(c.title) << "</text>\n";
  o << "<rect class=\"plot\" x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kRight - kLeft << "\" height=\"" << kHeight
    << "\" fill=\"#f4f6f9\"/>\n";
  // Grid and ticks.
  o << "<g stroke=\"#dde1e7\" shape-rendering=\"crispEdges\">";
  for (double v = f.x.lo; v <= f.x.hi + f.x.step * 1e-6; v += f.x.step)
    o << "<line x1=\"" << fixed1(f.px(v * scale)) << "\" y1=\"" << kTop << "\" x2=\"" << fixed1(f.px(v * scale)) << "\" y2=\"" << kBottom
      << "\"/>";
  const double ystart = c.y_integer ? std::ceil(f.y.lo / f.y.step) * f.y.step : f.y.lo;
  for (double v = ystart; v <= f.y.hi + f.y.step * 1e-6; v += f.y.step)
    o << "<line x1=\"" << kLeft << "\" y1=\"" << fixed1(f.py(v)) << "\" x2=\"" << kRight << "\" y2=\"" << fixed1(f.py(v)) << "\"/>";
  o << "</g>\n<g fill=\"#444\">";
  for (double v = f.x.lo; v <= f.x.hi + f.x.step * 1e-6; v += f.x.step)
    o << "<text x=\"" << fixed1(f.px(v * scale)) << "\" y=\"" << kBottom + 16 << "\" text-anchor=\"middle\">"
      << number(v, f.x) << "</text>";
  for (double v = ystart; v <= f.y.hi + f.y.step * 1e-6; v += f.y.step)
    o << "<text x=\"" << kLeft - 6 << "\" y=\"" << fixed1(f.py(v) + 4) << "\" text-anchor=\"end\">" << number(v, f.y)
      << "</text>";
  o << "</g>\n";
  o << "<text x=\"" << (kLeft + kRight) / 2 << "\" y=\"" << kBottom + 36 << "\" text-anchor=\"middle\">"
    << escape(c.x_label + (unit.empty() ? "" : " (" + unit + ")")) << "</text>\n";
  o << "<text transform=\"translate(16," << kTop + kHeight / 2 << ") rotate(-90)\" text-anchor=\"middle\">" << escape(c.y_label)
    << "</text>\n";
  // Data, clipped to the plot (markers may reach a little over its edge).
  const std::string clip = "clip-" + c.id;
  o << "<clipPath id=\"" << escape(clip) << "\"><rect x=\"" << kLeft - 6 << "\" y=\"" << kTop - 6 << "\" width=\""
    << kRight - kLeft + 12 << "\" height=\"" << kHeight + 12 << "\"/></clipPath>\n<g clip-path=\"url(#" << escape(clip)
    << ")\">\n";
  for (const HLine& h : c.lines)
    o << "<line class=\"known\" x1=\"" << kLeft << "\" y1=\"" << fixed1(f.py(h.y)) << "\" x2=\"" << kRight << "\" y2=\""
      << fixed1(f.py(h.y)) << "\" stroke=\"" << h.colour << "\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n";
  for (const Series& s : c.series)
    if (s.style != Series::Markers) draw_series(o, s, f);
  for (const Series& s : c.series)
    if (s.style == Series::Markers) draw_series(o, s, f);
  o << "</g>\n<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kRight - kLeft << "\" height=\"" << kHeight
    << "\" fill=\"none\" stroke=\"#8a9099\" shape-rendering=\"crispEdges\"/>\n";
  o << body.str() << "\n</svg>\n";
  return o.str();
}

}  // namespace at::report
