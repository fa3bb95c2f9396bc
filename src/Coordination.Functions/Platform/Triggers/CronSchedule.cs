using System.Globalization;

namespace Coordination.Functions.Platform.Triggers;

/// <summary>
/// A six-field NCRONTAB schedule as the Functions timer trigger reads it:
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, each field <c>*</c>, a number, a range
/// <c>a-b</c>, a list <c>a,b</c>, or a step <c>*/n</c> / <c>a-b/n</c>. Times are UTC. When both day and
/// day-of-week are restricted, a time must match both (NCRONTAB's rule).
/// </summary>
public sealed class CronSchedule
{
    private static readonly (int Min, int Max, string Name)[] Fields =
    [
        (0, 59, "second"), (0, 59, "minute"), (0, 23, "hour"), (1, 31, "day"), (1, 12, "month"), (0, 6, "day-of-week"),
    ];

    private readonly bool[][] _allowed;

    private CronSchedule(bool[][] allowed, string expression)
    {
        _allowed = allowed;
        Expression = expression;
    }

    /// <summary>The schedule text.</summary>
    public string Expression { get; }

    /// <summary>Parses a schedule.</summary>
    /// <exception cref="FormatException">It is not a valid six-field schedule.</exception>
    public static CronSchedule Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
        {
            throw new FormatException($"Schedule '{expression}' must have 6 fields (second minute hour day month day-of-week); it has {parts.Length}.");
        }
        var allowed = new bool[6][];
        for (var f = 0; f < 6; f++)
        {
            var (min, max, name) = Fields[f];
            allowed[f] = new bool[max + 1];
            foreach (var item in parts[f].Split(','))
            {
                ParseItem(item, min, max, name, allowed[f], expression);
            }
        }
        // Sunday may be written 7 in some dialects; NCRONTAB uses 0-6, so 7 is rejected above.
        return new CronSchedule(allowed, expression);
    }

    private static void ParseItem(string item, int min, int max, string name, bool[] allowed, string expression)
    {
        var step = 1;
        var range = item;
        var slash = item.IndexOf('/');
        if (slash >= 0)
        {
            step = ParseNumber(item[(slash + 1)..], 1, max, name, expression);
            range = item[..slash];
        }
        int from, to;
        if (range == "*")
        {
            (from, to) = (min, max);
        }
        else if (range.IndexOf('-') is var dash and > 0)
        {
            from = ParseNumber(range[..dash], min, max, name, expression);
            to = ParseNumber(range[(dash + 1)..], min, max, name, expression);
            if (to < from)
            {
                throw new FormatException($"Schedule '{expression}': {name} range {range} runs backwards.");
            }
        }
        else
        {
            from = ParseNumber(range, min, max, name, expression);
            to = slash >= 0 ? max : from;
        }
        for (var v = from; v <= to; v += step)
        {
            allowed[v] = true;
        }
    }

    private static int ParseNumber(string text, int min, int max, string name, string expression) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"Schedule '{expression}': {name} value '{text}' is not a number from {min} to {max}.");

    /// <summary>The first matching time strictly after <paramref name="after"/> (UTC, whole seconds).</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = after.ToUniversalTime();
        t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_allowed[4][t.Month])
            {
                t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }
            if (!_allowed[3][t.Day] || !_allowed[5][(int)t.DayOfWeek])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }
            if (!_allowed[2][t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }
            if (!_allowed[1][t.Minute])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
                continue;
            }
            if (!_allowed[0][t.Second])
            {
                t = t.AddSeconds(1);
                continue;
            }
            return t;
        }
        throw new InvalidOperationException($"Schedule '{Expression}' never fires within five years.");
    }
}
