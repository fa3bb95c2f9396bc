namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>The system clock plus an offset a test moves forward (expiry, retention) while the app keeps running.</summary>
public sealed class ShiftableClock : TimeProvider
{
    private long _offsetTicks;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
