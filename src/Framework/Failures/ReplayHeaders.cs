using System.Text;
using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// The headers of a replayed dead letter (written by <c>kafkatyped dlq replay</c>); every value is UTF-8 text. A consumer
/// group skips a record whose <see cref="Group"/> names another group, and runs only the handler named by
/// <see cref="Handler"/>. See <c>docs/cli.md</c>.
/// </summary>
public static class ReplayHeaders
{
    /// <summary>Where the replayed record was first consumed: <c>&lt;topic&gt;/&lt;partition&gt;/&lt;offset&gt;</c>.</summary>
    public const string ReplayOf = "kt-replay-of";

    /// <summary>The only consumer group that handles the record; other groups skip it.</summary>
    public const string Group = "kt-replay-group";

    /// <summary>The full type name of the only handler the addressed group runs for the record.</summary>
    public const string Handler = "kt-replay-handler";

    /// <summary>The common prefix of the replay headers.</summary>
    internal const string Prefix = "kt-replay-";

    /// <summary>
    /// Reads the address of a replayed record in one pass over its headers; <see langword="false"/> (and nothing
    /// allocated) for a record that carries neither <see cref="Group"/> nor <see cref="Handler"/>.
    /// </summary>
    internal static bool TryReadAddress(Headers? headers, out string? group, out string? handler)
    {
        group = null;
        handler = null;
        if (headers is null)
        {
            return false;
        }

        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var key = header.Key;
            if (key.Length < Prefix.Length + 5 || !key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (string.Equals(key, Group, StringComparison.Ordinal))
            {
                group = Encoding.UTF8.GetString(header.GetValueBytes() ?? []); // the last one wins
            }
            else if (string.Equals(key, Handler, StringComparison.Ordinal))
            {
                handler = Encoding.UTF8.GetString(header.GetValueBytes() ?? []);
            }
        }

        return group is not null || handler is not null;
    }
}
