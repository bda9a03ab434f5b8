import CSndFile

/// libsndfile's message for the last error of `handle` (or of the last failed open when nil),
/// made to fit in our one-line errors: its "System error : " prefix and final period dropped
/// ("System error : No space left on device." → "No space left on device").
func sndFileErrorMessage(_ handle: OpaquePointer?) -> String {
    var message = String(cString: sf_strerror(handle))
    if message.hasPrefix("System error : ") { message.removeFirst("System error : ".count) }
    while message.hasSuffix(".") || message.hasSuffix(" ") { message.removeLast() }
    return message
}
