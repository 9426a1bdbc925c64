// Strings of the replay pages (/replays, /replays/{id}) in the three UI languages; the game's
// own strings (unit names, actions in words) come from i18n/ through describe.js.
import { getLang } from "./i18n/index.js";

const STRINGS = {
  en: {
    title: "Iron Dawn", replays: "Replays", play: "Play", watch: "Watch", download: "Download",
    open_file: "Open a replay file", open: "Open", date: "Date (UTC)", players: "Players",
    difficulty: "Difficulty", length: "Length", winner: "Winner", status: "Status",
    no_games: "No recorded games yet.", not_recording: "Games are not recorded on this server (DATA_DIR is not set).",
    play_btn: "Play", pause_btn: "Pause", speed: "Speed", view: "View", whole_map: "Whole map",
    player0: "Player 1 (blue)", player1: "Player 2 (red)", timeline: "Orders",
    loading: "Loading…", unknown: "There is no replay with this id.", checked: "{n} checks equal",
    desync: "This replay desyncs at {time}: what follows is not the game that was played.",
    live: "live game", uploading: "Reading the file…", upload_failed: "Not opened: {why}",
    p: "P{n}", said: "said", became: "→", refused: "refused", nothing: "nothing understood",
    seat: "seats: {players}", restored: "server restarted, game restored", end: "game over",
    winner_is: "winner: player {n}", draw: "draw", credits: "credits",
  },
  fr: {
    title: "Iron Dawn", replays: "Rediffusions", play: "Jouer", watch: "Regarder", download: "Télécharger",
    open_file: "Ouvrir un fichier de rediffusion", open: "Ouvrir", date: "Date (UTC)", players: "Joueurs",
    difficulty: "Difficulté", length: "Durée", winner: "Vainqueur", status: "État",
    no_games: "Aucune partie enregistrée.", not_recording: "Ce serveur n’enregistre pas les parties (DATA_DIR n’est pas défini).",
    play_btn: "Lecture", pause_btn: "Pause", speed: "Vitesse", view: "Vue", whole_map: "Toute la carte",
    player0: "Joueur 1 (bleu)", player1: "Joueur 2 (rouge)", timeline: "Ordres",
    loading: "Chargement…", unknown: "Aucune rediffusion ne porte cet identifiant.", checked: "{n} contrôles identiques",
    desync: "Cette rediffusion se désynchronise à {time} : la suite n’est pas la partie jouée.",
    live: "partie en cours", uploading: "Lecture du fichier…", upload_failed: "Non ouvert : {why}",
    p: "J{n}", said: "a dit", became: "→", refused: "refusé", nothing: "rien compris",
    seat: "sièges : {players}", restored: "serveur redémarré, partie restaurée", end: "fin de partie",
    winner_is: "vainqueur : joueur {n}", draw: "match nul", credits: "crédits",
  },
  "zh-TW": {
    title: "Iron Dawn", replays: "重播", play: "開始遊戲", watch: "觀看", download: "下載",
    open_file: "開啟重播檔", open: "開啟", date: "日期（UTC）", players: "玩家",
    difficulty: "難度", length: "長度", winner: "勝者", status: "狀態",
    no_games: "尚無已記錄的對局。", not_recording: "此伺服器不記錄對局（未設定 DATA_DIR）。",
    play_btn: "播放", pause_btn: "暫停", speed: "速度", view: "視角", whole_map: "全地圖",
    player0: "玩家 1（藍）", player1: "玩家 2（紅）", timeline: "命令",
    loading: "載入中…", unknown: "沒有這個編號的重播。", checked: "{n} 次檢查一致",
    desync: "此重播在 {time} 失去同步：之後的內容不是實際對局。",
    live: "進行中的對局", uploading: "讀取檔案中…", upload_failed: "無法開啟：{why}",
    p: "P{n}", said: "說", became: "→", refused: "被拒絕", nothing: "未理解",
    seat: "座位：{players}", restored: "伺服器重新啟動，對局已還原", end: "遊戲結束",
    winner_is: "勝者：玩家 {n}", draw: "平手", credits: "資金",
  },
};

export function rs(key, params) {
  let s = (STRINGS[getLang()] || STRINGS.en)[key];
  if (s === undefined) s = STRINGS.en[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

/** Translate every element carrying data-rs. */
export function applyReplayDom(root = document) {
  for (const el of root.querySelectorAll("[data-rs]")) el.textContent = rs(el.dataset.rs);
}
