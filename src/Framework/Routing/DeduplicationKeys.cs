using System.Text;

namespace KafkaTyped.Routing;

/// <summary>Reads the business key a message declares with <see cref="DeduplicationKeyAttribute"/>; called by generated code.</summary>
public static class DeduplicationKeys
{
    /// <summary>The business key of <paramref name="message"/>, or <see langword="null"/> when it declares none (or its value is null).</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    public static string? Of<TMessage>(TMessage message)
        where TMessage : IKafkaMessage<TMessage>
        => TMessage.DeduplicationKeyOf(message);

    /// <summary>
    /// One key of several members' values, in order: each value with <c>\</c> and <c>|</c> escaped by <c>\</c>, joined by
    /// <c>|</c>, so that different values never give one key. <see langword="null"/> when any value is.
    /// </summary>
    /// <param name="values">The members' values as text.</param>
    /// <returns>The combined key, or <see langword="null"/>.</returns>
    public static string? Combine(params ReadOnlySpan<string?> values)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } value)
            {
                return null;
            }

            if (i > 0)
            {
                builder.Append('|');
            }

            foreach (var c in value)
            {
                if (c is '\\' or '|')
                {
                    builder.Append('\\');
                }

                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
