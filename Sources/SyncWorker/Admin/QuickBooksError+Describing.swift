import QuickBooks

extension QuickBooksError: QuickBooksErrorDescribing {
    var operatorDescription: String { "QuickBooks refused the connection: \(description)" }
}
