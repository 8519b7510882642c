"""Published text that a re-publishing site turned into traditional characters with the pinyin of
each character inserted in brackets (``項(xiàng)目績(jì)效自評(píng)表``): the brackets taken out and the
traditional characters mapped back, so that the table reader sees the words the agency printed.

Only characters that are traditional forms in every use are mapped (a small table of the ones
these forms use — 項目指標預算執行率實際完成值得分權重評價滿意度效益數量質量時效成本總…), and only
in text that shows the conversion (pinyin insertions or several such characters): simplified
text is never touched. No dependency.
"""

from __future__ import annotations

import re

_PAIRS = (
    "項项 標标 預预 實实 際际 執执 權权 評评 價价 滿满 滿满 數数 質质 時时 總总 績绩 產产 監监 測测 "
    "報报 與与 萬万 財财 資资 調调 門门 類类 額额 須须 農农 進进 編编 結结 級级 稱称 為为 況况 會会 "
    "續续 據据 應应 後后 徑径 專专 對对 屬属 審审 單单 務务 備备 別别 黃黄 岡冈 億亿 廳厅 縣县 區区 "
    "鄉乡 鎮镇 幣币 劃划 計计 設设 這这 個个 說说 規规 範范 問问 題题 準准 達达 經经 濟济 態态 環环 "
    "護护 響响 衛卫 醫医 療疗 險险 災灾 養养 發发 組组 織织 圍围 蓋盖 積积 極极 條条 車车 運运 輸输 "
    "電电 網网 絡络 線线 優优 舊旧 歸归 檔档 開开 關关 導导 處处 現现 場场 內内 兩两 貧贫 傷伤 殘残 "
    "勞劳 動动 維维 築筑 樓楼 舉举 辦办 學学 業业 職职 員员 庫库 統统 書书 認认 識识 驗验 購购 買买 "
    "費费 貼贴 補补 貸贷 錢钱 銷销 賬账 戶户 們们 從从 來来 將将 於于 並并 無无 裡里 裏里 點点 當当 "
    "還还 過过 遠远 選选 邊边 連连 適适 週周 參参 歷历 證证 論论 議议 記记 錄录 覽览 觀观 視视 講讲 "
    "讀读 請请 詢询 誤误 號号 體体 團团 國国 圖图 園园 東东 廣广 氣气 溫温 熱热 確确 碼码 種种 穩稳 "
    "競竞 簡简 籌筹 紀纪 約约 納纳 細细 終终 給给 絕绝 綜综 緊紧 練练 縮缩 繳缴 聯联 聲声 脫脱 興兴 "
    "藝艺 術术 裝装 製制 複复 見见 訂订 託托 許许 診诊 試试 詳详 該该 語语 變变 讓让 豐丰 負负 責责 "
    "貢贡 貴贵 軍军 較较 載载 輔辅 遲迟 釋释 針针 錯错 長长 間间 陸陆 陽阳 隊队 階阶 隨随 雙双 難难 "
    "領领 頻频 顧顾 顯显 風风 館馆 馬马 點点 黨党 齡龄 衆众 眾众 幹干 沒没 藥药 夠够 啟启 擔担 擇择 "
    "擴扩 斷断 構构 樣样 機机 歲岁 決决 減减 營营 爭争 獎奖 獨独 畫画 畢毕 異异 礎础 稅税 窮穷 糧粮 "
    "義义 習习 聞闻 臨临 華华 處处 貨货 違违 遺遗 鋼钢 陳陈 雖虽 雲云 頁页 頭头 顏颜 驅驱 麗丽 壩坝 "
    "堤堤 庫库 澇涝 灌灌 渠渠 溝沟 灣湾 護护 綠绿 態态 稱称 劃划 擬拟 彙汇 匯汇 濟济 衛卫 權权 舊旧 "
    "礙碍 驗验 採采 齊齐 燈灯 盡尽 紙纸 純纯 訊讯 談谈 謀谋 賦赋 趕赶 鍵键 閒闲 隱隐 靈灵 順顺 飛飞 "
    "飲饮 魚鱼 鳥鸟 盤盘 禮礼 愛爱 攤摊 暫暂 沖冲 湧涌 漲涨 潔洁 濕湿 煙烟 篩筛 羅罗 聽听 腦脑 膠胶 "
    "蘇苏 鄰邻 閱阅 靜静 飯饭 鬥斗 齒齿 協协 負负 撥拨 剩剩 餘余 輛辆 層层 務务 況况 級级 響响 "
)
TRADITIONAL = {pair[0]: pair[1] for pair in _PAIRS.split() if len(pair) == 2 and pair[0] != pair[1]}

#: a bracketed pinyin syllable (with tone marks) right after a Chinese character
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")


def is_converted(text: str) -> bool:
    """Whether the text shows the re-publishing site's conversion: bracketed pinyin after
    characters, or traditional characters where a table's words should be."""
    return len(_PINYIN.findall(text)) >= 5 or sum(1 for c in text if c in TRADITIONAL) >= 10


def to_simplified(text: str) -> str:
    """The text with the pinyin insertions taken out and the traditional characters of the table
    mapped back; text that shows no conversion is returned unchanged."""
    if not is_converted(text):
        return text
    return simplified(text)


_TO_SIMPLIFIED = str.maketrans(TRADITIONAL)


def simplified(text: str) -> str:
    """The text with pinyin insertions taken out and the table's traditional characters mapped
    back, whether or not it shows the conversion (a short cell: a row name compared)."""
    return _PINYIN.sub("", text).translate(_TO_SIMPLIFIED)
