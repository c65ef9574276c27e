/// The chat canister of the dfx canister snapshots tutorial, bug included (see actors/chat.py,
/// class `Chat`): `append`, `dump` and a broken `remove_spam`.
///
/// The bug: `remove_spam` takes the chat out of the heap (Rust's `CHAT.take()` leaves an empty
/// vector behind) and writes the filtered chat back only if it found spam. With no spam the
/// chat is left empty and the method returns 0.
///
/// The chat is `transient`: like the Python canister's heap it does not survive an upgrade.
import List "mo:core/List";
import Text "mo:core/Text";

persistent actor Chat {

  transient let SPAM_KEYWORDS : [Text] = ["coupon", "giveaway", "casino"];
  transient let REMOVED : Text = "(removed spam message)";

  transient var chat : List.List<Text> = List.empty<Text>();

  /// A message is spam when one of its words, split on single spaces exactly as Rust's
  /// `message.split(" ")` does, is one of the keywords.
  func isSpam(message : Text) : Bool {
    for (word in Text.split(message, #char ' ')) {
      for (keyword in SPAM_KEYWORDS.vals()) {
        if (word == keyword) return true;
      };
    };
    false;
  };

  /// Appends a new message to the chat.
  public func append(message : Text) : async () {
    List.add(chat, message);
  };

  /// All the chat messages, in order.
  public query func dump() : async [Text] {
    List.toArray(chat);
  };

  /// Replaces spam messages; returns how many there were. BROKEN on purpose.
  public func remove_spam() : async Nat64 {
    let taken = chat;
    chat := List.empty<Text>(); // CHAT.take()
    let filtered = List.empty<Text>();
    var spam : Nat64 = 0;
    for (message in List.values(taken)) {
      if (isSpam(message)) {
        spam += 1;
        List.add(filtered, REMOVED);
      } else {
        List.add(filtered, message);
      };
    };
    if (spam > 0) {
      chat := filtered;
    };
    spam;
  };
};
