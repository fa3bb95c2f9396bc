namespace Coordination.Core.Locks;

/// <summary>Acquire a lock on a resource.</summary>
/// <param name="Resource">Any string (e.g. <c>file:src/auth/login.ts</c>), up to 400 characters.</param>
/// <param name="Ttl">Seconds the lock is held unless renewed: 1–3600.</param>
/// <param name="Wait">Wait for the lock when it is held (long-poll).</param>
/// <param name="WaitTimeout">Seconds to wait at most: 1–120 (default 30).</param>
public sealed record AcquireLockRequest(string Resource, int Ttl, bool Wait = false, int? WaitTimeout = null);

/// <summary>The outcome of an acquire: the lock, or who holds it.</summary>
/// <param name="Acquired">True when the caller now holds the lock.</param>
/// <param name="Resource">The resource.</param>
/// <param name="ClaimId">The claim to renew or release with (when acquired).</param>
/// <param name="FencingToken">Strictly increasing per resource across all holders, forever (when acquired).</param>
/// <param name="ExpiresAt">When the caller's lock expires (acquired) or the holder's does (not acquired).</param>
/// <param name="HeldBy">The holder's agent id (when not acquired).</param>
public sealed record LockResult(bool Acquired, string Resource, string? ClaimId, long? FencingToken, DateTimeOffset ExpiresAt, string? HeldBy);

/// <summary>Renew a held lock.</summary>
/// <param name="Ttl">New time-to-live from now in seconds (1–3600); default: the original TTL.</param>
public sealed record RenewLockRequest(int? Ttl = null);

/// <summary>A held lock.</summary>
/// <param name="Resource">The resource.</param>
/// <param name="ClaimId">Its claim id.</param>
/// <param name="HeldBy">The holder.</param>
/// <param name="FencingToken">The holder's fencing token.</param>
/// <param name="AcquiredAt">When it was acquired.</param>
/// <param name="ExpiresAt">When it expires unless renewed.</param>
public sealed record HeldLock(string Resource, string ClaimId, string HeldBy, long FencingToken, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>Held locks.</summary>
/// <param name="Locks">Locks, soonest expiry first.</param>
public sealed record LockList(IReadOnlyList<HeldLock> Locks);
