using System.Buffers.Binary;
using System.Text;

namespace Coordination.IntegrationTests.Deployment;

/// <summary>
/// A zip's central directory read straight from the bytes (no zip library), so the tests see the Unix mode and the
/// "made by" system exactly as an extractor on the platform does: a mode counts only when the entry says Unix (3).
/// </summary>
public sealed record ZipEntryInfo(string Name, int MadeBySystem, int UnixMode)
{
    public const int Unix = 3;

    /// <summary>The permission bits (rwx for user, group, other) of a Unix entry.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(UnixMode & 0x1FF);

    /// <summary>Every entry of the zip at <paramref name="path"/> (no zip64: packages are well under 4 GiB and 65535 entries).</summary>
    public static IReadOnlyList<ZipEntryInfo> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var end = FindEndOfCentralDirectory(bytes);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(end + 10));
        var offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end + 16));
        var entries = new List<ZipEntryInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var header = bytes.AsSpan(offset);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x02014b50)
            {
                throw new InvalidDataException($"No central directory header at {offset}.");
            }
            var madeBy = header[5];
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            var external = BinaryPrimitives.ReadUInt32LittleEndian(header[38..]);
            var name = Encoding.UTF8.GetString(header.Slice(46, nameLength));
            entries.Add(new ZipEntryInfo(name, madeBy, (int)(external >> 16)));
            offset += 46 + nameLength + extraLength + commentLength;
        }
        return entries;
    }

    private static int FindEndOfCentralDirectory(byte[] bytes)
    {
        for (var i = bytes.Length - 22; i >= Math.Max(0, bytes.Length - 22 - 65535); i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x06054b50)
            {
                return i;
            }
        }
        throw new InvalidDataException("Not a zip: no end of central directory record.");
    }
}
