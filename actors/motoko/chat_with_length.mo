/// The tutorial's later chat canister (see actors/chat.py, class `ChatWithLength`): a `LENGTH`
/// counter that `append` checks against the chat, and both kept across upgrades (stable
/// variables, the Motoko counterpart of the Python canister's `pre_upgrade` / `post_upgrade`).
///
/// `remove_spam` has the same bug as in chat.mo; here it also breaks the invariant
/// `LENGTH == chat.size()`, so every later `append` traps until a snapshot is loaded.
import List "mo:core/List";
import Nat "mo:core/Nat";
import Runtime "mo:core/Runtime";
import Text "mo:core/Text";

persistent actor ChatWithLength {

  transient let SPAM_KEYWORDS : [Text] = ["coupon", "giveaway", "casino"];
  transient let REMOVED : Text = "(removed spam message)";

  // Stable (the default in a persistent actor): they survive upgrades.
  var chat : List.List<Text> = List.empty<Text>();
  var LENGTH : Nat = 0;

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

  /// Appends a message, after checking that LENGTH matches the chat (traps if not).
  public func append(message : Text) : async () {
    let size = List.size(chat);
    if (LENGTH != size) {
      Runtime.trap(
        "assertion `left == right` failed\n  left: " # Nat.toText(LENGTH) # "\n right: " # Nat.toText(size)
      );
    };
    List.add(chat, message);
    LENGTH += 1;
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
