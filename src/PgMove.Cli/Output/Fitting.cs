using Spectre.Console;
using Spectre.Console.Rendering;

namespace PgMove.Cli.Output;

/// <summary>
/// A wide layout (a table) when the console is wide enough for it, else a narrow one (a block per row): a table
/// squeezed into 80 columns breaks words and LSNs across lines ("streamin|g"). Chosen at render time, so that a
/// live display follows the terminal's width.
/// </summary>
internal sealed class Fitting(IRenderable wide, IRenderable narrow, bool wrapWords) : IRenderable
{
    /// <summary>
    /// Whether <paramref name="wide"/> fits: whole (its natural width) unless <c>wrapWords</c>, else every cell
    /// wrapped only between words (the widest word of each column, the table's minimum width).
    /// </summary>
    private const int Unbounded = 10_000;

    private IRenderable Pick(RenderOptions options, int maxWidth)
    {
        var measured = wide.Measure(options, Unbounded);
        return (wrapWords ? measured.Min : measured.Max) <= maxWidth ? wide : narrow;
    }

    public Measurement Measure(RenderOptions options, int maxWidth) => Pick(options, maxWidth).Measure(options, maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => Pick(options, maxWidth).Render(options, maxWidth);

    /// <summary>One record as "key: value" lines under a heading, then an empty line; values wrap under themselves.</summary>
    public static IRenderable Block(IRenderable heading, IEnumerable<(string Key, IRenderable Value)> lines)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().Padding(2, 0, 1, 0));
        grid.AddColumn();
        foreach (var (key, value) in lines)
            grid.AddRow(new Text(key + ":"), value);
        return new Rows(heading, grid, Text.Empty);
    }
}
