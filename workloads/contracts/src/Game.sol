// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";

/// @title Game: an on-chain game loop (move, quest, craft, breed) over a Token and an Nft.
/// @notice Wiring: Game must be a minter of the reward Token (`Token.setMinter(game, true)`)
/// and of the item Nft (`Nft.setMinter(game, true)`). To `craft`, the caller must have
/// called `Nft.setApprovalForAll(game, true)`: Game burns the two inputs as the caller's
/// operator. `breed` burns nothing and needs no approval.
///
/// Each player's state is packed in one storage slot. `move` costs 1 energy; energy
/// regenerates by 1 per 12 seconds since the player's last move (capped at 100; the
/// remainder below 12 s is dropped on each move). `quest` costs no energy. When the
/// leaderboard is enabled, every quest reads the shared `leader` slot and writes it when
/// the questing player reaches or exceeds the leader's experience.
contract Game {
    uint32 public constant MAX_ENERGY = 100;
    uint256 public constant ENERGY_REGEN_SECONDS = 12;
    uint256 public constant BREED_COOLDOWN = 60;
    uint256 public constant REWARD_PER_XP = 1e18;

    struct Player {
        int32 x;
        int32 y;
        uint32 energy;
        uint64 experience;
        uint40 lastAction; // timestamp of the last move (or join)
        bool joined;
    }

    struct Leader {
        address player;
        uint64 experience;
    }

    IMintableERC20 public immutable rewardToken;
    IGameItems public immutable itemNft;
    address public immutable owner;

    uint256 public playerCount;
    bool public leaderboardEnabled;
    Leader private _leader;
    mapping(address => Player) private _players;
    mapping(uint256 => uint256) public lastBredAt;

    event Joined(address indexed player);
    event Moved(address indexed player, int32 x, int32 y, uint32 energy);
    event QuestCompleted(address indexed player, uint256 indexed questId, uint64 xpGained, uint256 reward);
    event NewLeader(address indexed player, uint64 experience);
    event Crafted(address indexed player, uint256 indexed itemA, uint256 indexed itemB, uint256 newItem, uint256 kind);
    event Bred(address indexed player, uint256 indexed parentA, uint256 indexed parentB, uint256 child, uint256 kind);
    event LeaderboardSet(bool enabled);

    error NotOwner();
    error AlreadyJoined();
    error NotJoined();
    error OutOfEnergy(uint256 secondsUntilNextEnergy);
    error SameItem();
    error NotItemOwner(uint256 id);
    error ParentOnCooldown(uint256 id, uint256 readyAt);

    constructor(address rewardToken_, address itemNft_) {
        rewardToken = IMintableERC20(rewardToken_);
        itemNft = IGameItems(itemNft_);
        owner = msg.sender;
    }

    // ---------------------------------------------------------------- views

    function player(address who)
        external
        view
        returns (int32 x, int32 y, uint32 energy, uint64 experience, uint40 lastAction, bool joined)
    {
        Player memory p = _players[who];
        return (p.x, p.y, p.energy, p.experience, p.lastAction, p.joined);
    }

    /// Energy including regeneration up to now.
    function energyOf(address who) external view returns (uint32) {
        Player memory p = _players[who];
        if (!p.joined) return 0;
        return _regen(p);
    }

    function leader() external view returns (address player_, uint64 experience) {
        Leader memory l = _leader;
        return (l.player, l.experience);
    }

    function _regen(Player memory p) private view returns (uint32) {
        uint256 energy = p.energy + (block.timestamp - p.lastAction) / ENERGY_REGEN_SECONDS;
        return energy > MAX_ENERGY ? MAX_ENERGY : uint32(energy);
    }

    // ---------------------------------------------------------------- admin

    function setLeaderboard(bool enabled) external {
        if (msg.sender != owner) revert NotOwner();
        leaderboardEnabled = enabled;
        emit LeaderboardSet(enabled);
    }

    // ---------------------------------------------------------------- actions

    function join() external {
        if (_players[msg.sender].joined) revert AlreadyJoined();
        _players[msg.sender] = Player({
            x: 0,
            y: 0,
            energy: MAX_ENERGY,
            experience: 0,
            lastAction: uint40(block.timestamp),
            joined: true
        });
        unchecked {
            playerCount++;
        }
        emit Joined(msg.sender);
    }

    function move(int8 dx, int8 dy) external {
        Player memory p = _players[msg.sender];
        if (!p.joined) revert NotJoined();
        uint32 energy = _regen(p);
        if (energy == 0) {
            revert OutOfEnergy(ENERGY_REGEN_SECONDS - (block.timestamp - p.lastAction) % ENERGY_REGEN_SECONDS);
        }
        p.energy = energy - 1;
        p.x += dx;
        p.y += dy;
        p.lastAction = uint40(block.timestamp);
        _players[msg.sender] = p;
        emit Moved(msg.sender, p.x, p.y, p.energy);
    }

    /// Gains 10 + questId % 8 experience and mints experience * 1e18 reward tokens.
    function quest(uint256 questId) external {
        Player storage p = _players[msg.sender];
        if (!p.joined) revert NotJoined();
        uint64 xp = uint64(10 + (questId % 8));
        uint64 experience = p.experience + xp;
        p.experience = experience;

        if (leaderboardEnabled) {
            Leader memory l = _leader;
            if (experience >= l.experience) {
                _leader = Leader({player: msg.sender, experience: experience});
                if (l.player != msg.sender) emit NewLeader(msg.sender, experience);
            }
        }

        uint256 reward = uint256(xp) * REWARD_PER_XP;
        rewardToken.mint(msg.sender, reward);
        emit QuestCompleted(msg.sender, questId, xp, reward);
    }

    /// Burns two items owned by the caller and mints one of kind max(kindA, kindB) + 1.
    /// Requires Nft.setApprovalForAll(game, true) by the caller.
    function craft(uint256 itemA, uint256 itemB) external returns (uint256 newItem) {
        if (itemA == itemB) revert SameItem();
        IGameItems items = itemNft;
        if (items.ownerOf(itemA) != msg.sender) revert NotItemOwner(itemA);
        if (items.ownerOf(itemB) != msg.sender) revert NotItemOwner(itemB);
        uint256 kindA = items.kindOf(itemA);
        uint256 kindB = items.kindOf(itemB);
        items.burn(itemA);
        items.burn(itemB);
        uint256 kind = (kindA > kindB ? kindA : kindB) + 1;
        newItem = items.mintTo(msg.sender, kind);
        emit Crafted(msg.sender, itemA, itemB, newItem, kind);
    }

    /// Mints a child item of kind (kindA + kindB) / 2 from two items owned by the caller.
    /// Each parent can breed once per BREED_COOLDOWN seconds.
    function breed(uint256 parentA, uint256 parentB) external returns (uint256 child) {
        if (parentA == parentB) revert SameItem();
        IGameItems items = itemNft;
        if (items.ownerOf(parentA) != msg.sender) revert NotItemOwner(parentA);
        if (items.ownerOf(parentB) != msg.sender) revert NotItemOwner(parentB);
        uint256 lastA = lastBredAt[parentA];
        if (lastA != 0 && block.timestamp < lastA + BREED_COOLDOWN) {
            revert ParentOnCooldown(parentA, lastA + BREED_COOLDOWN);
        }
        uint256 lastB = lastBredAt[parentB];
        if (lastB != 0 && block.timestamp < lastB + BREED_COOLDOWN) {
            revert ParentOnCooldown(parentB, lastB + BREED_COOLDOWN);
        }
        lastBredAt[parentA] = block.timestamp;
        lastBredAt[parentB] = block.timestamp;
        uint256 kind = (items.kindOf(parentA) + items.kindOf(parentB)) / 2;
        child = items.mintTo(msg.sender, kind);
        emit Bred(msg.sender, parentA, parentB, child, kind);
    }
}
