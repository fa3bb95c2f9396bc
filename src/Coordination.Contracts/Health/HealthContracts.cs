namespace Coordination.Core.Common;

/// <summary>Storage reachability of one resource.</summary>
/// <param name="Name">Table or queue name.</param>
/// <param name="Reachable">The service answered.</param>
/// <param name="Exists">The resource exists.</param>
/// <param name="Error">Why it could not be checked.</param>
public sealed record StorageCheck(string Name, bool Reachable, bool Exists, string? Error = null);

/// <summary>The health report.</summary>
/// <param name="Status"><c>healthy</c> when every storage resource is reachable and exists.</param>
/// <param name="Table">The table check.</param>
/// <param name="WakeQueue">The wake-up queue check.</param>
/// <param name="CheckedAt">When the checks ran.</param>
public sealed record HealthReport(string Status, StorageCheck Table, StorageCheck WakeQueue, DateTimeOffset CheckedAt);
