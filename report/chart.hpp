#pragma once
// Line and marker charts as inline SVG, drawn by hand (no library, no script, no web font):
// axes with ticks and units, a grid, a legend under the plot, hover text on markers. Large series
// are thinned to the plot's pixel columns keeping each column's first, lowest, highest and last
// point, so spikes survive and a page stays small.
#include <string>
#include <vector>

#include "report/run.hpp"

namespace at::report {

struct Series {
  enum Style { Line, Step, Faint, Markers };
  std::string name;  // legend text; "" keeps it out of the legend
  std::string colour;
  Style style = Line;
  std::string marker = "circle";  // Markers: circle, square, diamond, triangle
  std::vector<Point> points;      // in x order
  std::vector<std::string> tips;  // Markers: hover text per point (optional)
  double step_end = 0;            // Step: the last value holds until this x
  std::string dash;               // stroke-dasharray, e.g. "6 3"
};

struct HLine {
  double y;
  std::string label, colour;
};

struct Chart {
  std::string id, title, x_label, y_label;  // x_label without unit when x_time
  bool x_time = false;                      // x in seconds, shown in s, min or h
  bool y_integer = false;
  std::vector<Series> series;
  std::vector<HLine> lines;
};

inline constexpr int kChartWidth = 660;
inline constexpr int kPlotColumns = kChartWidth - 90;  // pixel columns of the plot area

std::string render_svg(const Chart& c);

// At most 4 points per bucket of equal x width (first, min, max, last), in x order.
std::vector<Point> thin(const std::vector<Point>& points, int buckets);
// Centered moving average over about 2% of the points (at least 1 on each side once there are 20).
std::vector<Point> smooth(const std::vector<Point>& points);

// Text made safe for HTML and SVG.
std::string escape(const std::string& s);

}  // namespace at::report
