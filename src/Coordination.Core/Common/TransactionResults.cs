using Coordination.Storage.Tables;

namespace Coordination.Core.Common;

/// <summary>Helpers for transactions whose failure can only mean a bug or a concurrent delete.</summary>
public static class TransactionResults
{
    /// <summary>Throws when the transaction did not apply.</summary>
    public static void ThrowIfFailed(this TableTransactionResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Transaction {what} failed at operation {result.FailedIndex}: {result.Outcome} ({result.ErrorCode}).");
        }
    }
}
