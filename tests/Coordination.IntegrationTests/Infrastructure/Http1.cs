using System.Globalization;
using System.Text;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>One HTTP/1.1 message: start line split on its first two spaces, headers in order, body bytes as sent.</summary>
internal sealed record Http1Message(string[] StartLine, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    /// <summary>The message as bytes, with <paramref name="headers"/> in place of its own.</summary>
    public byte[] ToBytes(IEnumerable<(string Name, string Value)> headers) => Http1.Compose(string.Join(' ', StartLine), headers, Body);
}

/// <summary>
/// Just enough HTTP/1.1 for <see cref="FaultProxy"/>: requests framed by Content-Length (the storage clients never
/// chunk), responses read to the end of the connection, headers and bodies carried through unchanged.
/// </summary>
internal static class Http1
{
    private const int MaxHeadBytes = 64 * 1024;
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>Reads one request: the head up to the blank line, then exactly Content-Length body bytes. Null on EOF before any byte.</summary>
    public static async Task<Http1Message?> ReadRequestAsync(Stream stream, CancellationToken token)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int end;
        while ((end = buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(HeadEnd)) < 0)
        {
            if (buffer.Length > MaxHeadBytes)
            {
                throw new InvalidDataException("The request head is larger than 64 KiB.");
            }
            var read = await stream.ReadAsync(chunk, token);
            if (read == 0)
            {
                return buffer.Length == 0 ? null : throw new IOException("The client closed the connection mid-request.");
            }
            buffer.Write(chunk, 0, read);
        }
        var received = buffer.ToArray();
        var head = ParseHead(Encoding.Latin1.GetString(received, 0, end), []);
        var contentLength = head.Header("Content-Length") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        var body = new byte[contentLength];
        var already = Math.Min(received.Length - (end + HeadEnd.Length), contentLength);
        Array.Copy(received, end + HeadEnd.Length, body, 0, already);
        await stream.ReadExactlyAsync(body.AsMemory(already), token);
        return head with { Body = body };
    }

    /// <summary>Splits a complete response into head and body; the body keeps its framing (Content-Length or chunked).</summary>
    public static Http1Message ParseResponse(byte[] response)
    {
        var end = response.AsSpan().IndexOf(HeadEnd);
        if (end < 0)
        {
            throw new InvalidDataException("The response has no complete head.");
        }
        return ParseHead(Encoding.Latin1.GetString(response, 0, end), response[(end + HeadEnd.Length)..]);
    }

    public static byte[] Compose(string startLine, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        var head = new StringBuilder(startLine).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        head.Append("\r\n");
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body];
    }

    /// <summary>A complete response that closes the connection.</summary>
    public static byte[] Response(int status, string reason, string body, params (string Name, string Value)[] headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return Compose(
            $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {reason}",
            headers.Append(("Content-Length", bytes.Length.ToString(CultureInfo.InvariantCulture))).Append(("Connection", "close")),
            bytes);
    }

    public static async Task WriteAsync(Stream stream, byte[] bytes, CancellationToken token)
    {
        await stream.WriteAsync(bytes, token);
        await stream.FlushAsync(token);
    }

    /// <summary>Headers about this connection, not the message: a proxy sets its own.</summary>
    public static bool IsHopByHop(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase);

    private static Http1Message ParseHead(string text, byte[] body)
    {
        var lines = text.Split("\r\n");
        var startLine = lines[0].Split(' ', 3);
        if (startLine.Length < 2)
        {
            throw new InvalidDataException($"Malformed start line '{lines[0]}'.");
        }
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"Malformed header line '{line}'.");
            }
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        return new Http1Message(startLine, headers, body);
    }
}
