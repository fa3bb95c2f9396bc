using System.Collections.Concurrent;
using Coordination.Core.Common;
using Coordination.Core.Problems;

namespace Coordination.Core.Swarms;

/// <summary>
/// Join codes: 8 symbols from a 32-letter alphabet without look-alikes, shown as <c>ABCD-EFGH</c>
/// (40 bits). Online guessing is bounded by <see cref="JoinGuard"/>.
/// </summary>
public static class JoinCodes
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>A new code in display form.</summary>
    public static string New()
    {
        var raw = Ids.RandomText(8, Alphabet);
        return raw[..4] + "-" + raw[4..];
    }

    /// <summary>The stored form (upper case, no dashes or spaces), or null when it cannot be a code.</summary>
    public static string? Normalize(string? code)
    {
        if (code is null)
        {
            return null;
        }
        var normalized = new string(code.Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant).ToArray());
        return normalized.Length == 8 && normalized.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) ? normalized : null;
    }

    /// <summary>The display form of a stored code.</summary>
    public static string Display(string stored) => stored[..4] + "-" + stored[4..];
}

/// <summary>
/// Bounds failed join attempts per client address (in-process, sliding minute): past
/// <see cref="MaxFailuresPerMinute"/> the client gets 429 <c>rate_limited</c> until the minute passes.
/// </summary>
public sealed class JoinGuard(TimeProvider clock)
{
    /// <summary>Failed joins allowed per client per minute.</summary>
    public const int MaxFailuresPerMinute = 20;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>Throws <c>rate_limited</c> when the client used up its failures.</summary>
    public void EnsureAllowed(string client)
    {
        if (_failures.TryGetValue(client, out var times))
        {
            lock (times)
            {
                Trim(times);
                if (times.Count >= MaxFailuresPerMinute)
                {
                    throw new ProblemException(ProblemCatalog.RateLimited, "Too many failed join attempts from this client; wait a minute.",
                        new Dictionary<string, object?> { ["retryAfterSeconds"] = 60 });
                }
            }
        }
    }

    /// <summary>Records a failed attempt.</summary>
    public void RecordFailure(string client)
    {
        var times = _failures.GetOrAdd(client, _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            Trim(times);
            times.Enqueue(clock.GetUtcNow());
        }
    }

    private void Trim(Queue<DateTimeOffset> times)
    {
        var cutoff = clock.GetUtcNow().AddMinutes(-1);
        while (times.Count > 0 && times.Peek() < cutoff)
        {
            times.Dequeue();
        }
    }
}
